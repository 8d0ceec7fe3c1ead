-- One row per printed table row (document × table × row), with whether extraction inferred the column of any of its
-- figures: what the check models compare rows by.
with

figures as (
    select * from {{ ref('stg_raw__table_rows') }}
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
