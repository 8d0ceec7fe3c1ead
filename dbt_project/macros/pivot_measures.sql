{#- One column per measure key from the long raw.table_rows layout. -#}
{% macro pivot_measures(measures) -%}
    {%- for measure in measures %}
        max(case when measure = '{{ measure }}' then amount_wan end) as {{ 'item_count' if measure == 'count' else measure }},
    {%- endfor %}
{%- endmacro %}

{% macro measure_keys() -%}
    {{ return([
        'amount', 'total', 'basic', 'project', 'remit_to_superior', 'operating', 'subsidy_to_subsidiary',
        'fiscal_appropriation', 'superior_subsidy', 'business_income', 'operating_income', 'subsidiary_remittance',
        'other_income', 'general_budget', 'gov_fund', 'soe_capital', 'opening_balance', 'income',
        'expenditure_total', 'closing_balance', 'budget_initial', 'budget', 'actual', 'count', 'personnel', 'public',
        'budget_prior',
    ]) }}
{%- endmacro %}
