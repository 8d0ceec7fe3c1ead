{# How precisely the 情况说明 prints its figures: what the prose rules (quality/chk_prose_rules) allow for rounding. #}

{% macro printed_pct_decimals(clause) -%}
    {#- The decimals of the percentage closing a clause ("下降5.8%" → 1; none printed → 2). -#}
    case when regexp_matches({{ clause }}, '(\d+(?:\.(\d+))?)%\s*$')
         then length(regexp_extract({{ clause }}, '(\d+(?:\.(\d+))?)%\s*$', 2)) else 2 end
{%- endmacro %}

{% macro printed_half_wan(printed) -%}
    {#- Half the last printed digit of a prose amount, in 万元 ("18,976.76万元" → 0.005; "3,500元" → 0.00005). -#}
    case when regexp_matches({{ printed }}, '\d(?:\.(\d+))?\s*(万元|元)')
         then cast('0.' || repeat('0', length(regexp_extract({{ printed }}, '\d(?:\.(\d+))?\s*(万元|元)', 1))) || '5'
                   as decimal(30, 16))
              * case when regexp_extract({{ printed }}, '\d(?:\.(\d+))?\s*(万元|元)', 2) = '元' then 0.0001 else 1 end
         else 0.005 end
{%- endmacro %}

{% macro stated_base_pattern() -%}
    {#- The base a change's own phrase prints: 比上年预算数9,819.98万元 (group 1 the number, group 2 its unit). -#}
    '(?:比|较|与)[^，。；]*?(\d[\d,]*(?:\.\d+)?)(万元|元)$'
{%- endmacro %}

{% macro pct_tolerance(part, base, decimals, half_unit) -%}
    {#- How far a printed percentage may sit from part/base when both were rounded (each by up to half_unit), plus
        its own rounding (half its last printed digit). -#}
    {#- Computed in floating point (DuckDB divides decimals so), then kept as a decimal so a union stays exact. -#}
    cast(cast('0.' || repeat('0', {{ decimals }}) || '5' as decimal(30, 16))
         + 100 * ({{ half_unit }} / {{ base }} + abs({{ part }}) * {{ half_unit }} / ({{ base }} * {{ base }}))
         as decimal(38, 16))
{%- endmacro %}

{% macro prose_subject_patterns() -%}
    {#- The rows of the seed prose_subjects as (ordinal, pattern, context, line_group), in order; none while dbt only
        parses the project. -#}
    {%- if execute -%}
        {{ return(run_query("select ordinal, pattern, context, line_group from " ~ ref('prose_subjects')
                            ~ " order by ordinal").rows) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{%- endmacro %}

{% macro sql_string(text) -%}
    {#- A SQL string literal holding text (quotes doubled). -#}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}
