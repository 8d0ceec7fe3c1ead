{#- No nulls in any of `columns`: one row per column holding some, with how many. One test (one scan) for all of a
    model's required columns: dbt spends ~25 ms on every test node however small its query, and a test per column
    made not_null most of a one-file run's dbt build. -#}
{% test not_null_columns(model, columns) %}
select column_name, nulls
from (
    select
    {%- for column in columns %}
        count(*) filter (where "{{ column }}" is null) as "{{ column }}"{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
) unpivot (nulls for column_name in ({% for column in columns %}"{{ column }}"{{ ", " if not loop.last }}{% endfor %}))
where nulls > 0
{% endtest %}
