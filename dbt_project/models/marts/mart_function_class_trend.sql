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
        expenditure.agency_id,
        expenditure.fiscal_year,
        expenditure.function_code as class_code,
        expenditure.total,
        expenditure.basic,
        expenditure.project,
    from expenditure
    inner join documents on expenditure.document_id = documents.document_id
    where documents.is_current and documents.document_kind = 'final_accounts'
        and length(expenditure.function_code) = 3
),

final as (
    select
        class_rows.agency_id,
        class_rows.fiscal_year,
        class_rows.class_code,
        function_classes.class_name,
        class_rows.total,
        class_rows.basic,
        class_rows.project,
        prior.total as prior_year_total,
        class_rows.total - prior.total as total_change,
        {{ pct('class_rows.total - prior.total', 'prior.total') }} as total_change_pct,
    from class_rows
    left join class_rows as prior
        on class_rows.agency_id = prior.agency_id
        and class_rows.class_code = prior.class_code
        and class_rows.fiscal_year = prior.fiscal_year + 1
    left join function_classes on class_rows.class_code = function_classes.class_code
)

select * from final
