{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_checked_documents() }}") }}
-- depends_on: {{ ref('int_checked_documents') }}
-- Kept by document: a build computes the documents of intermediate.int_checked_documents only (their facts; every
-- document and figure stays readable, for PROSE-PRIOR-YEAR reads the agency's year before).
-- Prose rules (docs/domain.md §5) as check rows, one per figure the 情况说明 states and the rule that applies:
-- - PROSE-AMOUNT: a stated amount equals the table figure its phrase refers to (the seed prose_subjects maps the
--   phrase to table, line and column; the first matching pattern wins);
-- - PROSE-SHARE: 占…% recomputed from the amount and its base (the seed prose_share_bases);
-- - PROSE-CHANGE: 增长/下降…% recomputed from the change and the prior figure the sentence implies (or prints);
-- - PROSE-PRIOR-YEAR: that implied prior figure against the agency's final accounts of the year before (not for a
--   change on the budget, 比年初预算数…);
-- - PROSE-WORDS: 增加/减少 and 增长/下降 of one clause point the same way;
-- - PROSE-BUDGET-RATE: 完成预算的…% recomputed from the amount and its budget;
-- - DOC-EMPTIED: a figure stated for a table that is printed empty (or 本表无数据, when nothing of it was read);
-- - UNIT-CONSISTENCY: one sentence prints the same number once in 万元 and once in 元.
-- Each amount is off by at most half its last printed digit; a percentage by half its own last digit plus what the
-- rounding of the figures it divides allows. A failure on a table figure whose column placement was inferred is
-- suspect_extraction, not the publisher's error.
with

documents as (
    select document_id, file_name, agency_name, fiscal_year, printed_unit, source_file, document_kind,
           -- half the last printed digit of a table figure, in 万元: 0.005 万元, or 0.5 元
           case when printed_unit = '元' then 0.0000005 else 0.005 end::decimal(24, 10) as half_unit,
    from {{ ref('stg_raw__documents') }}
),

facts as (
    select * from {{ ref('stg_raw__prose_facts') }}
    {{ only_checked_documents() }}
),

subjects as (
    select * from {{ ref('prose_subjects') }}
),

share_bases as (
    select * from {{ ref('prose_share_bases') }}
),

figures as (
    select * from {{ ref('stg_raw__table_rows') }}
),

document_tables as (
    select * from {{ ref('stg_raw__document_tables') }}
),

printed_rows as (
    select * from {{ ref('int_printed_rows') }}
),

-- The subject of each fact: the first pattern (and its context, if any) that matches the phrase. The patterns are
-- written into the SQL as constants (one CASE branch per seed row, in order): a pattern read from a column would be
-- compiled again for every fact.
matched as (
    select
        document_id,
        fact_index,
        printed_subject,
        case
            when false then null::integer
            {%- for subject in prose_subject_patterns() %}
            when regexp_matches(printed_subject, {{ sql_string(subject[1]) }})
                {%- if subject[2] %} and regexp_matches(coalesce(printed_context, ''), {{ sql_string(subject[2]) }})
                {%- endif %} then {{ subject[0] }}
            {%- endfor %}
        end as ordinal,
    from facts
),

fact_subjects as (
    select
        matched.document_id,
        matched.fact_index,
        subjects.table_key,
        subjects.side,
        subjects.measure,
        subjects.share_of,
        -- a line named by the phrase itself: the text of its pattern's group line_group
        coalesce(subjects.line, case
            when false then null::varchar
            {%- for subject in prose_subject_patterns() if subject[3] %}
            when matched.ordinal = {{ subject[0] }}
                then regexp_extract(matched.printed_subject, {{ sql_string(subject[1]) }}, {{ subject[3] }})
            {%- endfor %}
        end) as line_name,
    from matched
    inner join subjects on subjects.ordinal = matched.ordinal
),

-- The final accounts of the agency's year before (the last by file name where two were loaded).
prior_documents as (
    select documents.document_id, prior.document_id as prior_document_id, prior.file_name as prior_file_name,
    from documents
    inner join documents as prior
        on prior.document_kind = 'final_accounts' and prior.agency_name = documents.agency_name
        and prior.fiscal_year = documents.fiscal_year - 1
    qualify row_number() over (partition by documents.document_id order by prior.file_name desc) = 1
),

-- Every table figure a fact is compared with: its subject's, its share base, and its subject's a year before.
lookups as (
    select document_id, fact_index, 'subject' as purpose, document_id as in_document, table_key, side, line_name,
           measure,
    from fact_subjects
    union all
    select fact_subjects.document_id, fact_subjects.fact_index, 'base', fact_subjects.document_id,
           share_bases.table_key, share_bases.side, share_bases.line, share_bases.measure
    from fact_subjects
    inner join share_bases on share_bases.share_of = fact_subjects.share_of
    union all
    select fact_subjects.document_id, fact_subjects.fact_index, 'prior', prior_documents.prior_document_id,
           fact_subjects.table_key, fact_subjects.side, fact_subjects.line_name, fact_subjects.measure
    from fact_subjects
    inner join prior_documents on prior_documents.document_id = fact_subjects.document_id
),

-- The row a lookup names: the first of its table (and side) whose name is the line (a summary line may go on).
looked_up as (
    select
        lookups.document_id,
        lookups.fact_index,
        lookups.purpose,
        printed_rows.is_inferred,
        coalesce(printed_rows.subject_code, printed_rows.printed_name) as row_label,
        figures.amount_wan as value,
    from lookups
    inner join printed_rows
        on printed_rows.document_id = lookups.in_document and printed_rows.table_key = lookups.table_key
        and (lookups.side is null or printed_rows.summary_side = lookups.side)
        and (printed_rows.printed_name = lookups.line_name
             or (lookups.table_key like '%summary' and starts_with(printed_rows.printed_name, lookups.line_name)))
    left join figures
        on figures.document_id = printed_rows.document_id and figures.table_key = printed_rows.table_key
        and figures.row_index = printed_rows.row_index and figures.measure = lookups.measure
    qualify row_number() over (partition by lookups.document_id, lookups.fact_index, lookups.purpose
                               order by printed_rows.row_index) = 1
),

stated as (
    select
        facts.*,
        documents.document_kind,
        documents.half_unit,
        fact_subjects.table_key as subject_table,
        fact_subjects.line_name,
        fact_subjects.measure,
        subject.value as subject_value,
        subject.is_inferred as subject_inferred,
        subject.row_label as subject_label,
        base.value as base_value,
        base.is_inferred as base_inferred,
        base.row_label as base_label,
        prior.value as prior_year_value,
        prior_documents.prior_file_name,
        -- A table that prints figures is not empty, whatever a note under it says (本表为空表 under 47.91 …).
        coalesce(document_tables.is_present
                 and coalesce(document_tables.is_empty, document_tables.is_declared_empty), false) as subject_emptied,
        coalesce(document_tables.is_declared_empty, false) as subject_declared_empty,
        case when facts.change_direction = 'increase' then 1 else -1 end as change_sign,
        -- the decimals of the percentage closing a clause ("下降5.8%" → 1; none printed → 2)
        {{ printed_pct_decimals('facts.share_printed') }} as share_decimals,
        {{ printed_pct_decimals('facts.change_printed') }} as change_decimals,
        {{ printed_pct_decimals('facts.budget_printed') }} as budget_decimals,
        -- the base a change's own phrase prints (比上年预算数9,819.98万元 → 9819.98 万元)
        nullif(try_cast(replace(regexp_extract(facts.printed_subject, {{ stated_base_pattern() }}, 1), ',', '')
                        as decimal(20, 6))
               / case when regexp_extract(facts.printed_subject, {{ stated_base_pattern() }}, 2) = '元' then 10000
                      else 1 end, 0) as stated_base,
    from facts
    inner join documents on documents.document_id = facts.document_id
    left join fact_subjects
        on fact_subjects.document_id = facts.document_id and fact_subjects.fact_index = facts.fact_index
    left join looked_up as subject
        on subject.document_id = facts.document_id and subject.fact_index = facts.fact_index
        and subject.purpose = 'subject'
    left join looked_up as base
        on base.document_id = facts.document_id and base.fact_index = facts.fact_index and base.purpose = 'base'
    left join looked_up as prior
        on prior.document_id = facts.document_id and prior.fact_index = facts.fact_index and prior.purpose = 'prior'
    left join prior_documents on prior_documents.document_id = facts.document_id
    left join document_tables
        on document_tables.document_id = facts.document_id and document_tables.table_key = fact_subjects.table_key
),

-- The change clause's implied prior figure, once per fact.
changes as (
    select
        *,
        -- "收入支出总计减少56.95万元，下降1.87%": the current figure is the table's, the prior one it implies
        case when is_change then subject_value - change_sign * amount_wan end as prior_of_table,
        -- "支出2,940.05万元，比上年减少56.95万元，下降1.87%": the prior figure the clause implies
        case when not is_change then amount_wan - change_sign * change_delta_wan end as prior_of_clause,
    from stated
),

-- Every branch gives its values as decimal(38, 16): a union of decimals of other widths may drop digits.
compared as (
    select 'DOC-EMPTIED' as rule_id, *, subject_table as checked_table, measure as column_name,
           0 as expected_value, cast(amount_wan as decimal(38, 16)) as actual_value, 0 as tolerance_value,
           printed_figure || ' stated for ' || subject_table || ' ' || line_name || ', which is printed empty'
           || case when subject_declared_empty then ' (declared 本表无数据)' else '' end as detail,
           null::varchar as doubted_label,
    from changes
    where subject_emptied and coalesce(amount_wan, 0) <> 0 and not is_change

    union all by name
    select 'PROSE-AMOUNT' as rule_id, *, 'prose' as checked_table, measure as column_name,
           cast(subject_value as decimal(38, 16)) as expected_value, cast(amount_wan as decimal(38, 16)) as actual_value,
           -- the table's figure and the prose's, each rounded to its own last printed digit
           cast(half_unit + {{ printed_half_wan('printed_figure') }} as decimal(38, 16)) as tolerance_value,
           printed_figure || ' vs ' || subject_table || ' ' || line_name as detail,
           case when subject_inferred then subject_label end as doubted_label,
    from changes
    where subject_value is not null and not is_change and document_kind in ('final_accounts', 'budget')

    union all by name
    select 'PROSE-SHARE' as rule_id, *, 'prose' as checked_table, 'share_pct' as column_name,
           cast(roundbankers(100 * amount_wan / base_value, 4) as decimal(38, 16)) as expected_value, cast(share_pct as decimal(38, 16)) as actual_value,
           {{ pct_tolerance('amount_wan', 'base_value', 'share_decimals', 'half_unit') }} as tolerance_value,
           printed_figure || '，' || share_printed || ' of ' || base_value as detail,
           case when base_inferred then base_label end as doubted_label,
    from changes
    where share_pct is not null and coalesce(base_value, 0) <> 0

    union all by name
    select 'PROSE-CHANGE' as rule_id, *, 'prose' as checked_table, 'change_pct' as column_name,
           cast(roundbankers(100 * amount_wan / prior_of_table, 4) as decimal(38, 16)) as expected_value, cast(change_pct as decimal(38, 16)) as actual_value,
           {{ pct_tolerance('amount_wan', 'prior_of_table', 'change_decimals', '2 * half_unit') }} as tolerance_value,
           change_printed || ' on ' || subject_value || ' (' || subject_table || ' ' || line_name || ')' as detail,
           case when subject_inferred then subject_label end as doubted_label,
    from changes
    where is_change and change_pct is not null and coalesce(subject_value, 0) <> 0 and prior_of_table > 0

    union all by name
    -- "比2025年年初预算数9,819.98万元减少193.20万元，下降1.97%": the change on the base the sentence prints
    select 'PROSE-CHANGE' as rule_id, *, 'prose' as checked_table, 'change_pct' as column_name,
           cast(roundbankers(100 * amount_wan / stated_base, 4) as decimal(38, 16)) as expected_value, cast(change_pct as decimal(38, 16)) as actual_value,
           {{ pct_tolerance('amount_wan', 'stated_base', 'change_decimals', '2 * half_unit') }} as tolerance_value,
           change_printed || ' on the ' || replace(regexp_extract(printed_subject, {{ stated_base_pattern() }}, 1), ',', '')
           || case when regexp_extract(printed_subject, {{ stated_base_pattern() }}, 2) = '元' then '元' else '' end
           || ' printed before it' as detail,
           null as doubted_label,
    from changes
    where is_change and change_pct is not null and coalesce(subject_value, 0) = 0 and stated_base > 0

    union all by name
    select 'PROSE-CHANGE' as rule_id, *, 'prose' as checked_table, 'change_pct' as column_name,
           cast(roundbankers(100 * change_delta_wan / prior_of_clause, 4) as decimal(38, 16)) as expected_value, cast(change_pct as decimal(38, 16)) as actual_value,
           {{ pct_tolerance('change_delta_wan', 'prior_of_clause', 'change_decimals', '2 * half_unit') }}
               as tolerance_value,
           printed_figure || '，' || change_printed as detail,
           null as doubted_label,
    from changes
    where not is_change and change_pct is not null and change_delta_wan is not null and prior_of_clause > 0

    union all by name
    select 'PROSE-PRIOR-YEAR' as rule_id, *, 'prose' as checked_table, measure as column_name,
           cast(prior_year_value as decimal(38, 16)) as expected_value, cast(prior_of_clause as decimal(38, 16)) as actual_value,
           cast(3 * half_unit as decimal(38, 16)) as tolerance_value,
           change_printed || ' implies ' || prior_of_clause || '; ' || prior_file_name || ' prints '
           || prior_year_value as detail,
           null as doubted_label,
    from changes
    where not is_change and change_pct is not null and change_delta_wan is not null
      and prior_year_value is not null
      -- a change on the budget (比年初预算数减少70.1万元) implies the budget, not the year before's figure
      and not regexp_matches(change_printed, '^(?:与|比|较)(?:年初|全年|调整)预算')

    union all by name
    select 'PROSE-WORDS' as rule_id, *, 'prose' as checked_table, 'change_direction' as column_name,
           0 as expected_value,
           case when change_pct_direction is not distinct from change_direction then 0 else 1 end as actual_value,
           0 as tolerance_value,
           change_printed as detail,
           null as doubted_label,
    from changes
    where change_pct is not null and change_direction in ('increase', 'decrease')

    union all by name
    select 'PROSE-BUDGET-RATE' as rule_id, *, 'prose' as checked_table, 'budget_pct' as column_name,
           cast(roundbankers(100 * amount_wan / budget_wan, 4) as decimal(38, 16)) as expected_value, cast(budget_pct as decimal(38, 16)) as actual_value,
           {{ pct_tolerance('amount_wan', 'budget_wan', 'budget_decimals', 'half_unit') }} as tolerance_value,
           printed_figure || '，' || budget_printed as detail,
           null as doubted_label,
    from changes
    where budget_pct is not null and coalesce(budget_wan, 0) <> 0
),

-- One sentence printing the same number once in 万元 and once in 元: one of the two units is wrong.
unit_twins as (
    select
        'UNIT-CONSISTENCY' as rule_id,
        yuan.*,
        'prose' as checked_table,
        'amount_wan' as column_name,
        cast(wan.amount_wan as decimal(38, 16)) as expected_value,
        cast(yuan.amount_wan as decimal(38, 16)) as actual_value,
        0 as tolerance_value,
        wan.printed_subject || wan.printed_figure || ' but ' || yuan.printed_subject || yuan.printed_figure
        || ': one unit is wrong' as detail,
        null as doubted_label,
    from facts as yuan
    inner join facts as wan
        on wan.document_id = yuan.document_id and wan.sentence_index is not distinct from yuan.sentence_index
        and wan.printed_unit = '万元' and wan.printed_amount = yuan.printed_amount
    where yuan.printed_unit = '元' and yuan.printed_amount <> 0
    qualify row_number() over (partition by yuan.document_id, yuan.fact_index order by wan.fact_index) = 1
),

measured as (
    select
        checks.*,
        documents.file_name, documents.agency_name, documents.fiscal_year, documents.source_file,
        -- to the millionth, half to even (as Python's Decimal rounds)
        cast(roundbankers(coalesce(expected_value, 0), 6) as decimal(24, 6)) as expected,
        cast(roundbankers(coalesce(actual_value, 0), 6) as decimal(24, 6)) as actual,
        cast(roundbankers(tolerance_value, 6) as decimal(24, 6)) as tolerance,
    from (select * from compared union all by name select * from unit_twins) as checks
    inner join documents on documents.document_id = checks.document_id
),

final as (
    select
        rule_id,
        document_id,
        fact_index,
        file_name,
        agency_name,
        fiscal_year,
        checked_table as table_key,
        null::varchar as row_code,
        printed_subject as row_name,
        column_name,
        expected,
        actual,
        actual - expected as difference,
        tolerance,
        case
            when actual = expected then 'pass'
            when abs(actual - expected) <= tolerance then 'rounding'
            -- a prose statement compares one printed figure: only that figure's own placement can make it doubtful
            when doubted_label is not null then 'suspect_extraction'
            else 'fail'
        end as outcome,
        source_line,
        detail || case when abs(actual - expected) > tolerance and doubted_label is not null
                       then ' · extraction unsure: column placement inferred for ' || doubted_label
                       else '' end as detail,
        page,
        coalesce(printed_text, printed_subject || printed_figure) as printed_text,
        case when bbox_x0 is not null then bbox_x0 end as bbox_x0,
        case when bbox_x0 is not null then bbox_top end as bbox_top,
        case when bbox_x0 is not null then bbox_x1 end as bbox_x1,
        case when bbox_x0 is not null then bbox_bottom end as bbox_bottom,
        source_file,
    from measured
)

select * from final
{{ only_checked_documents() }}
