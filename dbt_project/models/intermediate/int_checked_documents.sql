{{ config(materialized='table') }}
-- The documents whose checks a build computes. A document's checks read that document and (PROSE-PRIOR-YEAR) its
-- agency's final accounts of the year before, so a build that keeps the other checks computes again every
-- document of an agency-year this run changed (a document it loaded, or one that left since the checks were
-- stored) and of the year after. A full build (--full-refresh, or no checks stored yet) computes all of them.
-- The check models (quality/) compute these and keep the rest; the checks stage validates these.
{%- set stored = load_relation(source('quality', 'dq_results')) if execute else none %}
with

documents as (
    select document_id, agency_name, fiscal_year, run_id from {{ ref('stg_raw__documents') }}
),

{% if flags.FULL_REFRESH or stored is none %}
final as (
    select document_id from documents
)
{% else %}
changed as (
    select agency_name, fiscal_year from documents
    where run_id in (select run_id from meta.dbt_run)
    union
    select agency_name, fiscal_year from {{ source('quality', 'dq_results') }}
    where document_id not in (select document_id from documents)
),

changed_years as (
    select agency_name, fiscal_year from changed
    union
    select agency_name, fiscal_year + 1 from changed
),

final as (
    select documents.document_id from documents
    inner join changed_years
        on documents.agency_name is not distinct from changed_years.agency_name
       and documents.fiscal_year is not distinct from changed_years.fiscal_year
)
{% endif %}

select * from final
