-- Budgets across years for an agency, by function class (类) and in total: this year's budget against the prior
-- year's own budget document, with the change. A class a year does not budget has no row for that year.
with

documents as (
    select * from {{ ref('dim_document') }}
),

expenditure as (
    select * from {{ ref('fct_expenditure_by_function') }}
),

function_classes as (
    select * from {{ ref('function_classes') }}
),

class_rows as (
    select
        documents.agency_id,
        documents.agency_name,
        documents.fiscal_year,
        coalesce(expenditure.function_code, '合计') as class_code,
        expenditure.total as budget,
        expenditure.basic as basic_budget,
        expenditure.project as project_budget,
    from expenditure
    inner join documents on expenditure.document_id = documents.document_id
    where documents.is_current and documents.document_kind = 'budget'
        and (length(expenditure.function_code) = 3 or expenditure.is_total)
),

final as (
    select
        class_rows.agency_id,
        class_rows.agency_name as agency,
        class_rows.fiscal_year,
        class_rows.class_code,
        coalesce(function_classes.class_name, '合计') as class_name,
        class_rows.budget,
        class_rows.basic_budget,
        class_rows.project_budget,
        prior.budget as prior_year_budget,
        class_rows.budget - prior.budget as budget_change,
        {{ pct('class_rows.budget - prior.budget', 'prior.budget') }} as budget_change_pct,
    from class_rows
    left join class_rows as prior
        on class_rows.agency_id = prior.agency_id
        and class_rows.class_code = prior.class_code
        and class_rows.fiscal_year = prior.fiscal_year + 1
    left join function_classes on class_rows.class_code = function_classes.class_code
)

select * from final
