{#- Shared by the budget-against-final marts: which agency-years have each phase at all, and why a side is null. -#}

{#- One row per agency and year: whether a current budget, and current final accounts, were loaded. -#}
{% macro phases_loaded(documents) %}
    select
        agency_id,
        fiscal_year,
        bool_or(document_kind = 'budget') as has_budget,
        bool_or(document_kind = 'final_accounts') as has_final,
    from {{ documents }}
    where is_current
    group by agency_id, fiscal_year
{% endmacro %}

{#- Null when both sides are printed; else "no document" told apart from "the document does not print this code". -#}
{% macro missing_reason(budget, final, phases) %}
        case
            when {{ budget }} is not null and {{ final }} is not null then null
            when {{ budget }} is null and not coalesce({{ phases }}.has_budget, false)
                then 'no budget loaded for this agency and year'
            when {{ budget }} is null then 'the budget does not print this code'
            when not coalesce({{ phases }}.has_final, false)
                then 'no final accounts loaded for this agency and year'
            else 'the final accounts do not print this code'
        end
{% endmacro %}
