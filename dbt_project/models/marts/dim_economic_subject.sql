with

table_rows as (
    select * from {{ ref('int_table_rows_pivoted') }}
),

economic_classes as (
    select * from {{ ref('economic_classes') }}
),

economic_items as (
    select * from {{ ref('economic_items') }}
),

printed as (
    select
        subject_code as economic_code,
        printed_name,
        count(*) as times_printed,
    from table_rows
    where table_key = 'general_budget_basic_by_economic' and subject_code is not null
    group by subject_code, printed_name
),

names as (
    -- The most common printed name; ties go to the longest (extractors cut long names).
    select economic_code, printed_name
    from printed
    qualify row_number() over (
        partition by economic_code order by times_printed desc, length(printed_name) desc, printed_name
    ) = 1
),

final as (
    select
        names.economic_code,
        names.printed_name as economic_name,
        coalesce(economic_items.item_name, national_classes.class_name) as national_name,
        case length(names.economic_code) when 3 then '类' else '款' end as subject_level,
        case when length(names.economic_code) > 3 then left(names.economic_code, 3) end as parent_code,
        left(names.economic_code, 3) as class_code,
        economic_classes.class_name,
        coalesce(economic_classes.expense_group, 'public') as expense_group,
    from names
    left join economic_classes on left(names.economic_code, 3) = economic_classes.class_code
    left join economic_items on names.economic_code = economic_items.item_code
    left join economic_classes as national_classes on names.economic_code = national_classes.class_code
)

select * from final
