{#-
  Models kept incrementally by document. A document's rows depend on that document alone, and its id is the
  sha256 of its bytes, so a run only adds the documents it loaded: before it, the rows of documents that left
  raw.documents, or that this run loaded again (same bytes read by a newer extractor or under a new name; the run's
  id is in meta.dbt_run, written before each build), are deleted; then the model's query runs over the documents
  the table does not hold yet. The run id is read from a table, not passed as a var: a var that changes every run
  would make dbt parse the whole project again each time (partial parsing is dropped when vars change).
  A change to the models themselves rebuilds everything (the pipeline runs --full-refresh then).
-#}
{% macro delete_rebuilt_documents() %}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where document_id not in (select sha256 from {{ source('raw', 'documents') }})
       or document_id in (select sha256 from {{ source('raw', 'documents') }}
                          where run_id in (select run_id from meta.dbt_run))
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}

{% macro only_documents_not_built(column='document_id') %}
    {%- if is_incremental() %}
    where {{ column }} not in (select distinct document_id from {{ this }})
    {%- endif %}
{% endmacro %}

{#-
  The check models (quality/) kept by document the same way, over the documents int_checked_documents names: the
  checks of those, and of documents that left, are deleted; the model's query then computes those documents only.
-#}
{% macro delete_checked_documents() %}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where document_id not in (select sha256 from {{ source('raw', 'documents') }})
       or document_id in (select document_id from {{ ref('int_checked_documents') }})
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}

{% macro only_checked_documents(column='document_id') %}
    {%- if is_incremental() %}
    where {{ column }} in (select document_id from {{ ref('int_checked_documents') }})
    {%- endif %}
{% endmacro %}
