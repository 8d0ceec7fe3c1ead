with

documents as (
    select * from {{ ref('dim_document') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

expenditure as (
    select * from {{ ref('fct_expenditure_by_function') }}
),

income as (
    select * from {{ ref('fct_income_by_function') }}
),

summary_lines as (
    select * from {{ ref('fct_summary_lines') }}
),

three_public as (
    select * from {{ ref('fct_three_public') }}
),

current_reports as (
    select document_id, agency_id, fiscal_year
    from documents
    where document_kind = 'final_accounts' and is_current
),

expenditure_totals as (
    select document_id, total, basic, project
    from expenditure
    where is_total
),

income_totals as (
    select document_id, total
    from income
    where is_total
),

summary_income as (
    select document_id, amount
    from summary_lines
    where table_key = 'income_expenditure_summary' and summary_side = 'income' and line_name = '本年收入合计'
),

three_public_totals as (
    select document_id, budget, actual
    from three_public
    where item_name = '合计'
),

yearly as (
    select
        current_reports.agency_id,
        current_reports.fiscal_year,
        current_reports.document_id,
        coalesce(summary_income.amount, income_totals.total) as total_income,
        expenditure_totals.total as total_expenditure,
        expenditure_totals.basic as basic_expenditure,
        expenditure_totals.project as project_expenditure,
        three_public_totals.budget as three_public_budget,
        three_public_totals.actual as three_public_actual,
    from current_reports
    left join expenditure_totals on current_reports.document_id = expenditure_totals.document_id
    left join income_totals on current_reports.document_id = income_totals.document_id
    left join summary_income on current_reports.document_id = summary_income.document_id
    left join three_public_totals on current_reports.document_id = three_public_totals.document_id
),

with_prior as (
    select
        yearly.*,
        prior.total_expenditure as prior_year_total_expenditure,
        prior.three_public_actual as prior_year_three_public_actual,
    from yearly
    left join yearly as prior
        on yearly.agency_id = prior.agency_id and yearly.fiscal_year = prior.fiscal_year + 1
),

final as (
    select
        with_prior.agency_id,
        agencies.agency_name,
        with_prior.fiscal_year,
        with_prior.document_id,
        with_prior.total_income,
        with_prior.total_expenditure,
        with_prior.basic_expenditure,
        with_prior.project_expenditure,
        {{ pct('coalesce(with_prior.basic_expenditure, 0)', 'with_prior.total_expenditure') }} as basic_share_pct,
        {{ pct('coalesce(with_prior.project_expenditure, 0)', 'with_prior.total_expenditure') }} as project_share_pct,
        with_prior.three_public_budget,
        with_prior.three_public_actual,
        {{ pct('with_prior.three_public_actual', 'with_prior.three_public_budget') }} as three_public_execution_pct,
        with_prior.prior_year_total_expenditure,
        with_prior.total_expenditure - with_prior.prior_year_total_expenditure as total_expenditure_change,
        {{ pct('with_prior.total_expenditure - with_prior.prior_year_total_expenditure',
               'with_prior.prior_year_total_expenditure') }} as total_expenditure_change_pct,
        with_prior.three_public_actual - with_prior.prior_year_three_public_actual as three_public_actual_change,
    from with_prior
    inner join agencies on with_prior.agency_id = agencies.agency_id
)

select * from final
