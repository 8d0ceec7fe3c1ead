{#- A percentage with two decimals, as documents print them; null when the base is zero or missing. -#}
{% macro pct(numerator, denominator) -%}
    cast(round(100 * ({{ numerator }}) / nullif({{ denominator }}, 0), 2) as decimal(9, 2))
{%- endmacro %}
