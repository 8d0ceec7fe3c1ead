with

table_rows as (
    select * from {{ ref('int_table_rows_pivoted') }}
),

documents as (
    select * from {{ ref('int_documents_ranked') }}
),

printed as (
    select
        table_rows.subject_code as function_code,
        documents.fiscal_year,
        table_rows.printed_name,
        count(*) as times_printed,
    from table_rows
    inner join documents on table_rows.document_id = documents.document_id
    where table_rows.table_key in ('income_by_function', 'expenditure_by_function', 'general_budget_expenditure',
                                   'gov_fund', 'soe_capital')
        and table_rows.subject_code is not null
        and table_rows.printed_name <> ''
    group by all
),

final as (
    -- The name a year prints most often; ties go to the longest (extractors cut long names).
    select function_code, fiscal_year, printed_name
    from printed
    qualify row_number() over (
        partition by function_code, fiscal_year order by times_printed desc, length(printed_name) desc, printed_name
    ) = 1
)

select * from final
