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
        table_rows.line_key,
        table_rows.subject_code as economic_code,
        table_rows.printed_name as line_name,
        table_rows.row_group as expense_group,
        table_rows.subject_code is null as is_group_total,
        table_rows.amount,
        table_rows.source_line,
        table_rows.page,
    from table_rows
    inner join documents on table_rows.document_id = documents.document_id
    where table_rows.table_key = 'general_budget_basic_by_economic'
)

select * from final
