-- The largest 项 (7-digit function subject) each agency spent on, per year.
with

items as (
    select
        dim_agency.agency_name,
        fct_expenditure_by_function.fiscal_year,
        fct_expenditure_by_function.function_code,
        dim_function_subject.function_name,
        fct_expenditure_by_function.total,
    from fct_expenditure_by_function
    inner join dim_document on fct_expenditure_by_function.document_id = dim_document.document_id
    inner join dim_agency on fct_expenditure_by_function.agency_id = dim_agency.agency_id
    inner join dim_function_subject on fct_expenditure_by_function.function_code = dim_function_subject.function_code
    where dim_document.is_current and dim_function_subject.subject_level = '项'
)

select *
from items
qualify row_number() over (partition by agency_name, fiscal_year order by total desc, function_code) = 1
order by agency_name, fiscal_year
