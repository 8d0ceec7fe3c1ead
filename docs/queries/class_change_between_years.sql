-- How one agency's spending by function class (类) changed between two years.
-- Change the agency and the years in `params`.
with

params as (
    select '韶关市行政服务中心' as agency_name, 2023 as from_year, 2024 as to_year
),

classes as (
    select dim_agency.agency_name, mart_function_class_trend.*
    from mart_function_class_trend
    inner join dim_agency on mart_function_class_trend.agency_id = dim_agency.agency_id
    inner join params on dim_agency.agency_name = params.agency_name
),

from_year as (
    select classes.* from classes inner join params on classes.fiscal_year = params.from_year
),

to_year as (
    select classes.* from classes inner join params on classes.fiscal_year = params.to_year
)

select
    coalesce(to_year.class_code, from_year.class_code) as class_code,
    coalesce(to_year.class_name, from_year.class_name) as class_name,
    from_year.total as from_year_total,
    to_year.total as to_year_total,
    coalesce(to_year.total, 0) - coalesce(from_year.total, 0) as change,
from to_year
full outer join from_year on to_year.class_code = from_year.class_code
order by class_code
