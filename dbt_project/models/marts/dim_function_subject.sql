with

table_rows as (
    select * from {{ ref('int_table_rows_pivoted') }}
),

function_classes as (
    select * from {{ ref('function_classes') }}
),

subject_names as (
    select * from {{ ref('dim_function_subject_name') }}
),

codes_seen as (
    select distinct subject_code as function_code
    from table_rows
    where table_key in ('income_by_function', 'expenditure_by_function', 'general_budget_expenditure',
                        'gov_fund', 'soe_capital', 'income_expenditure_summary', 'fiscal_appropriation_summary')
        and subject_code is not null
),

latest_names as (
    select function_code, printed_name
    from subject_names
    qualify row_number() over (partition by function_code order by fiscal_year desc) = 1
),

final as (
    select
        codes_seen.function_code,
        coalesce(latest_names.printed_name, function_classes.class_name) as function_name,
        case length(codes_seen.function_code) when 3 then '类' when 5 then '款' else '项' end as subject_level,
        case when length(codes_seen.function_code) > 3
            then left(codes_seen.function_code, length(codes_seen.function_code) - 2) end as parent_code,
        left(codes_seen.function_code, 3) as class_code,
        function_classes.class_name,
    from codes_seen
    left join latest_names on codes_seen.function_code = latest_names.function_code
    left join function_classes on left(codes_seen.function_code, 3) = function_classes.class_code
)

select * from final
