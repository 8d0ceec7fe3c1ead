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
        table_rows.table_key,
        table_rows.row_index,
        table_rows.summary_side,
        table_rows.printed_name as line_name,
        table_rows.subject_code as function_class_code,
        table_rows.printed_line_no,
        table_rows.amount,
        table_rows.total,
        table_rows.general_budget,
        table_rows.gov_fund,
        table_rows.soe_capital,
        table_rows.source_line,
        table_rows.page,
    from table_rows
    inner join documents on table_rows.document_id = documents.document_id
    where table_rows.table_key in ('income_expenditure_summary', 'fiscal_appropriation_summary')
)

select * from final
