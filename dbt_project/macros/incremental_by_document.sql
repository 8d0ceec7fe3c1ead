{#-
  Models kept incrementally by document. A document's rows depend on that document alone, and its id is the
  sha256 of its bytes, so a run only adds the documents it loaded: before it, the rows of documents that left
  raw.documents, or that this run loaded again (var run_id: same bytes read by a newer extractor or under a new
  name), are deleted; then the model's query runs over the documents the table does not hold yet.
  A change to the models themselves rebuilds everything (the pipeline runs --full-refresh then).
-#}
{% macro delete_rebuilt_documents() %}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where document_id not in (select sha256 from {{ source('raw', 'documents') }})
       or document_id in (select sha256 from {{ source('raw', 'documents') }}
                          where run_id = '{{ var("run_id", "") }}')
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}

{% macro only_documents_not_built(column='document_id') %}
    {%- if is_incremental() %}
    where {{ column }} not in (select distinct document_id from {{ this }})
    {%- endif %}
{% endmacro %}
