with

table_rows as (
    select * from {{ source('raw', 'table_rows') }}
),

final as (
    select
        sha256 as document_id,
        table_key,
        row_index,
        code as subject_code,
        name as printed_name,
        side as summary_side,
        row_group,
        line_no as printed_line_no,
        measure,
        cast(amount as decimal(20, 6)) as amount_wan,
        printed as printed_figure,
        is_count,
        source_line,
        page,
        placement,
        bbox_x0,
        bbox_top,
        bbox_x1,
        bbox_bottom,
    from table_rows
)

select * from final
