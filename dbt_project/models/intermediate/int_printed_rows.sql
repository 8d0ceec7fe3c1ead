{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_rebuilt_documents() }}") }}
-- One row per printed table row (document × table × row), with whether extraction inferred the column of any of its
-- figures: what the check models compare rows by. A table kept by document, not a view: the check models read it
-- two dozen times, and as a view each read grouped every figure again (at 10,000 documents, within the 1 GB memory
-- limit: int_table_rule_sums 31 s as a view, 23 s with this table; chk_prose_rules 16 s, 6 s).
with

figures as (
    select * from {{ ref('stg_raw__table_rows') }}
    {{ only_documents_not_built() }}
),

final as (
    select
        document_id,
        table_key,
        row_index,
        any_value(subject_code) as subject_code,
        any_value(printed_name) as printed_name,
        any_value(summary_side) as summary_side,
        any_value(row_group) as row_group,
        any_value(source_line) as source_line,
        any_value(page) as page,
        coalesce(bool_or(placement = 'inferred'), false) as is_inferred,
    from figures
    group by document_id, table_key, row_index
)

select * from final
