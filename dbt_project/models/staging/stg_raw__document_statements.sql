with

statements as (
    select * from {{ source('raw', 'document_statements') }}
),

final as (
    select
        sha256 as document_id,
        statement_index,
        kind as statement_kind,
        printed_text,
        page,
        source_line,
        bbox_x0,
        bbox_top,
        bbox_x1,
        bbox_bottom,
        year as printed_year,
        agency as printed_agency,
        table_key,
        word as comparison_word,
        left_value as budget_wan,
        right_value as final_wan,
    from statements
)

select * from final
