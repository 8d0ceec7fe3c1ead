-- 三公 spending per agency, year and item: the budget the year's 部门预算 printed, the budget and actual the
-- year's 部门决算 printed, and the execution rate (actual over the budget document's figure, else the final
-- accounts' own budget column). Where a side is missing its figures are null and missing_reason says why.
with

documents as (
    select * from {{ ref('dim_document') }}
),

three_public as (
    select * from {{ ref('fct_three_public') }}
),

items as (
    select
        documents.agency_id,
        documents.agency_name,
        documents.fiscal_year,
        documents.phase,
        three_public.item_name,
        three_public.budget,
        three_public.actual,
    from three_public
    inner join documents on three_public.document_id = documents.document_id
    where documents.is_current and documents.document_kind in ('budget', 'final_accounts')
        and three_public.item_kind = 'amount'
),

budget as (select * from items where phase = 'budget'),

final_side as (select * from items where phase = 'final'),

joined as (
    select
        coalesce(budget.agency_id, final_side.agency_id) as agency_id,
        coalesce(budget.agency_name, final_side.agency_name) as agency_name,
        coalesce(budget.fiscal_year, final_side.fiscal_year) as fiscal_year,
        coalesce(budget.item_name, final_side.item_name) as item_name,
        budget.budget as budget,
        final_side.budget as final_accounts_budget,
        final_side.actual as actual,
        budget.item_name is not null as has_budget_row,
        final_side.item_name is not null as has_final_row,
    from budget
    full outer join final_side
        on budget.agency_id = final_side.agency_id
        and budget.fiscal_year = final_side.fiscal_year
        and budget.item_name = final_side.item_name
),

final as (
    select
        agency_id,
        agency_name as agency,
        fiscal_year,
        item_name,
        budget,
        final_accounts_budget,
        actual,
        actual - coalesce(budget, final_accounts_budget) as difference,
        {{ pct('actual', 'coalesce(budget, final_accounts_budget)') }} as execution_rate,
        case
            when has_budget_row and has_final_row then null
            when not has_budget_row then 'no budget document loaded for this agency and year, or it omits this item'
            else 'no final accounts loaded for this agency and year, or they omit this item'
        end as missing_reason,
    from joined
)

select * from final
