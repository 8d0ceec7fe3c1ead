{#-
  Inside the table-rule models (int_table_rule_sums, chk_table_rules) a document is a small integer, not its
  64-character id: they join millions of rows by document, and at 10,000 documents those joins on the id were most
  of their time and spilled gigabytes to disk. document_keys() is the CTE numbering the checked documents;
  keyed_by_document(relation) that relation's rows with the number as their document_id. Each model puts the id
  back in its last step.
-#}
{% macro document_keys() %}
document_keys as (
    select document_id, row_number() over (order by document_id) as document_key
    from {{ ref('stg_raw__documents') }}
    {{ only_checked_documents() }}
)
{%- endmacro %}

{% macro keyed_by_document(relation) %}
    select keyed.* replace (keys.document_key as document_id)
    from {{ relation }} as keyed
    inner join document_keys as keys using (document_id)
{%- endmacro %}
