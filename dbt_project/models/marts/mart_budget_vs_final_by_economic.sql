-- Basic expenditure (一般公共预算基本支出) by economic code: budgeted against spent, per agency and year, with the
-- 人员经费 / 公用经费 group totals. Where only one side exists the other is null and missing_reason says why.
with

documents as (
    select * from {{ ref('dim_document') }}
),

economic as (
    select * from {{ ref('fct_basic_expenditure_by_economic') }}
),

sides as (
    select
        documents.agency_id,
        documents.agency_name,
        documents.fiscal_year,
        documents.phase,
        economic.line_key,
        economic.economic_code,
        economic.line_name,
        economic.expense_group,
        economic.amount,
    from economic
    inner join documents on economic.document_id = documents.document_id
    where documents.is_current and documents.document_kind in ('budget', 'final_accounts')
),

budget as (select * from sides where phase = 'budget'),

final_side as (select * from sides where phase = 'final'),

phases_loaded as (
    {{ phases_loaded('documents') }}
),

joined as (
    select
        coalesce(budget.agency_id, final_side.agency_id) as agency_id,
        coalesce(budget.agency_name, final_side.agency_name) as agency_name,
        coalesce(budget.fiscal_year, final_side.fiscal_year) as fiscal_year,
        coalesce(budget.line_key, final_side.line_key) as line_key,
        coalesce(budget.economic_code, final_side.economic_code) as economic_code,
        coalesce(final_side.line_name, budget.line_name) as economic_name,
        coalesce(budget.expense_group, final_side.expense_group) as expense_group,
        budget.amount as budget,
        final_side.amount as final,
    from budget
    full outer join final_side
        on budget.agency_id = final_side.agency_id
        and budget.fiscal_year = final_side.fiscal_year
        and budget.line_key = final_side.line_key
        and budget.expense_group = final_side.expense_group
),

final as (
    select
        joined.agency_id,
        joined.agency_name as agency,
        joined.fiscal_year,
        joined.line_key,
        joined.economic_code,
        joined.economic_name,
        joined.expense_group,
        case
            when joined.economic_code is null then '合计'
            when length(joined.economic_code) = 3 then '类'
            when length(joined.economic_code) = 5 then '款'
            else '项'
        end as level,
        joined.budget,
        joined.final,
        joined.final - joined.budget as difference,
        {{ pct('joined.final', 'joined.budget') }} as execution_rate,
        {{ missing_reason('joined.budget', 'joined.final', 'phases_loaded') }} as missing_reason,
    from joined
    left join phases_loaded
        on joined.agency_id = phases_loaded.agency_id
        and joined.fiscal_year = phases_loaded.fiscal_year
)

select * from final
