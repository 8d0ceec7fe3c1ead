with

table_rows as (
    select * from {{ ref('int_table_rows_pivoted') }}
),

documents as (
    select * from {{ ref('int_documents_ranked') }}
),

final as (
    select
        table_rows.document_id,
        documents.agency_id,
        documents.fiscal_year,
        documents.phase,
        table_rows.printed_name as item_name,
        table_rows.row_group as item_kind,
        table_rows.budget_initial,
        table_rows.budget,
        table_rows.budget_prior,
        table_rows.actual,
        table_rows.source_line,
        table_rows.page,
    from table_rows
    inner join documents on table_rows.document_id = documents.document_id
    where table_rows.table_key = 'three_public'
)

select * from final
