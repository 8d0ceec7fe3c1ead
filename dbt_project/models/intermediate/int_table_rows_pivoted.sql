{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_rebuilt_documents() }}") }}

with

table_rows as (
    select * from {{ ref('stg_raw__table_rows') }}
    {{ only_documents_not_built() }}
),

pivoted as (
    select
        document_id,
        table_key,
        row_index,
        any_value(subject_code) as subject_code,
        any_value(printed_name) as printed_name,
        any_value(summary_side) as summary_side,
        any_value(row_group) as row_group,
        any_value(printed_line_no) as printed_line_no,
        any_value(source_line) as source_line,
        any_value(page) as page,
        any_value(placement) as placement,
        {{ pivot_measures(measure_keys()) }}
    from table_rows
    group by document_id, table_key, row_index
),

final as (
    select
        *,
        coalesce(subject_code, printed_name, '#' || row_index) as line_key,
        subject_code is null and printed_name in ('合计', '总计') as is_total,
    from pivoted
)

select * from final
