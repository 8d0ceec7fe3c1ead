-- What share of each agency's spending is project (项目) rather than basic (基本) spending, by year.
select
    agency_name,
    fiscal_year,
    total_expenditure,
    basic_share_pct,
    project_share_pct,
from mart_agency_year_overview
order by project_share_pct desc, agency_name
