-- 三公 spending by agency and year: budget, actual and how much of the budget was spent.
select
    agency_name,
    fiscal_year,
    three_public_budget,
    three_public_actual,
    three_public_execution_pct,
from mart_agency_year_overview
where three_public_budget is not null or three_public_actual is not null
order by agency_name, fiscal_year
