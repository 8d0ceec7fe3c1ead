with

prose_facts as (
    select * from {{ source('raw', 'prose_facts') }}
),

final as (
    select
        sha256 as document_id,
        fact_index,
        subject as printed_subject,
        amount as printed_amount,
        unit as printed_unit,
        amount_wan,
        printed as printed_figure,
        source_line,
        sentence as sentence_index,
        share_pct,
        share_base as printed_share_base,
        share_printed,
        change_direction,
        change_delta as change_delta_wan,
        change_pct,
        change_pct_direction,
        change_printed,
        budget as budget_wan,
        budget_pct,
        budget_printed,
        context as printed_context,
        coalesce(is_change, false) as is_change,
        page,
        printed_text,
        bbox_x0,
        bbox_top,
        bbox_x1,
        bbox_bottom,
    from prose_facts
)

select * from final
