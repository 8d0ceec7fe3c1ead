{#- A fact over one function-coded table: document × line (code, or 合计), with agency and year; kept incrementally
    by document (macros/incremental_by_document.sql). -#}
{% macro function_fact(table_key, measures) %}
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_rebuilt_documents() }}") }}

with

table_rows as (
    select * from {{ ref('int_table_rows_pivoted') }}
    {{ only_documents_not_built() }}
),

documents as (
    select * from {{ ref('int_documents_ranked') }}
),

final as (
    select
        table_rows.document_id,
        documents.agency_id,
        documents.fiscal_year,
        documents.phase,
        table_rows.line_key,
        table_rows.subject_code as function_code,
        table_rows.printed_name as line_name,
        table_rows.is_total,
        {%- for measure in measures %}
        table_rows.{{ measure }},
        {%- endfor %}
        table_rows.source_line,
        table_rows.page,
        table_rows.placement,
    from table_rows
    inner join documents on table_rows.document_id = documents.document_id
    where table_rows.table_key = '{{ table_key }}'
)

select * from final
{% endmacro %}
