{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_checked_documents() }}") }}
-- depends_on: {{ ref('int_checked_documents') }}
-- The sums quality.chk_table_rules compares with the printed figures: per check (rule, document, table, row
-- checked, measure) the expected figure and what it adds up. Kept by document, as the check models are. A model
-- of its own so that each query holds only its own joins: with the comparison in one query, the 10,000-document
-- build needed 4 GB and failed within a 1.5 GB memory limit; apart, each fits in 1 GB.
with

-- Documents are numbered inside this model (macros/document_keys.sql); `final` puts the id back.
{{ document_keys() }},

documents as (
    select keys.document_key as document_id, file_name, agency_name, fiscal_year, printed_unit, source_file,
           document_kind
    from {{ ref('stg_raw__documents') }}
    inner join document_keys as keys using (document_id)
),

figures as (
    {{ keyed_by_document(ref('stg_raw__table_rows')) }}
),

printed_rows as (
    {{ keyed_by_document(ref('int_printed_rows')) }}
),

-- The function-coded tables (rules.yml: TREE-FUNCTION's tables).
function_tables as (
    select unnest(['income_by_function', 'expenditure_by_function', 'general_budget_expenditure', 'gov_fund',
                   'soe_capital']) as table_key
),

first_totals as (
    select *
    from printed_rows
    where subject_code is null and printed_name = '合计' and table_key in (select table_key from function_tables)
    qualify row_number() over (partition by document_id, table_key order by row_index) = 1
),

-- The 三公 items' sums, by item name (rows of the amount group), in the measures the table prints for them.
three_public_parts(rule_id, parent_name, child_name) as (
    values ('TP-TOTAL', '合计', '因公出国（境）费'), ('TP-TOTAL', '合计', '公务用车购置及运行维护费'),
           ('TP-TOTAL', '合计', '公务接待费'), ('TP-VEHICLE', '公务用车购置及运行维护费', '公务用车购置费'),
           ('TP-VEHICLE', '公务用车购置及运行维护费', '公务用车运行维护费')
),

edges as (
    select 'TREE-FUNCTION' as rule_id, parent.document_id, parent.table_key, parent.row_index as parent_index,
           child.row_index as child_index, child.subject_code as child_code, child.is_inferred as child_inferred,
           null::varchar as parent_group, null::varchar[] as only_measures,
    from first_totals as parent
    inner join printed_rows as child
        on child.document_id = parent.document_id and child.table_key = parent.table_key
        and length(child.subject_code) = 3
    union all
    select 'TREE-FUNCTION', parent.document_id, parent.table_key, parent.row_index, child.row_index,
           child.subject_code, child.is_inferred, null, null
    from printed_rows as parent
    inner join printed_rows as child
        on child.document_id = parent.document_id and child.table_key = parent.table_key
        and length(child.subject_code) = length(parent.subject_code) + 2
        and starts_with(child.subject_code, parent.subject_code)
    where parent.table_key in (select table_key from function_tables)
      and parent.subject_code <> '' and length(parent.subject_code) < 7
    union all
    select 'TREE-ECONOMIC', parent.document_id, parent.table_key, parent.row_index, child.row_index,
           child.subject_code, child.is_inferred, null, ['amount']
    from printed_rows as parent
    inner join printed_rows as child
        on child.document_id = parent.document_id and child.table_key = parent.table_key
        and length(child.subject_code) = 5 and starts_with(child.subject_code, parent.subject_code)
    where parent.table_key = 'general_budget_basic_by_economic' and length(parent.subject_code) = 3
    union all
    -- A group total (its row_group personnel or public) and the 类 of that group.
    select 'ECO-GROUPS', parent.document_id, parent.table_key, parent.row_index, child.row_index,
           child.subject_code, child.is_inferred, parent.row_group, ['amount']
    from printed_rows as parent
    inner join printed_rows as child
        on child.document_id = parent.document_id and child.table_key = parent.table_key
        and length(child.subject_code) = 3 and child.row_group = parent.row_group
    where parent.table_key = 'general_budget_basic_by_economic' and parent.subject_code is null
    union all
    select parts.rule_id, parent.document_id, parent.table_key, parent.row_index, child.row_index,
           child.printed_name, child.is_inferred, null, ['budget_initial', 'budget', 'actual']
    from three_public_parts as parts
    inner join printed_rows as parent
        on parent.table_key = 'three_public' and parent.row_group = 'amount' and parent.printed_name = parts.parent_name
    inner join printed_rows as child
        on child.document_id = parent.document_id and child.table_key = parent.table_key
        and child.row_group = 'amount' and child.printed_name = parts.child_name
),

table_measures as (
    select distinct document_id, table_key, measure from figures
),

-- What a parent's check says of its parts, once per parent (not once per measure: an ordered aggregate holds its
-- input in memory, and per measure it was 2 GB at 10,000 documents).
tree_parts as (
    select
        rule_id,
        document_id,
        table_key,
        parent_index,
        case rule_id
            when 'TREE-ECONOMIC' then count(*) || ' 款'
            when 'ECO-GROUPS' then any_value(parent_group) || ': ' || string_agg(child_code, ', ' order by child_index)
            when 'TP-TOTAL' then '出国 + 车 + 接待'
            when 'TP-VEHICLE' then '购置费 + 运行维护费'
            else count(*) || ' children: ' || string_agg(child_code, ', ' order by child_index)
        end as detail,
    from edges
    group by rule_id, document_id, table_key, parent_index
),

tree_sums as (
    select sums.*, parts.detail
    from (
        select
            edges.rule_id,
            edges.document_id,
            edges.table_key,
            edges.parent_index,
            table_measures.measure,
            sum(child.amount_wan) as expected_wan,
            count(child.amount_wan) as parts_printed,
            bool_or(edges.child_inferred) as parts_inferred,
        from edges
        inner join table_measures
            on table_measures.document_id = edges.document_id and table_measures.table_key = edges.table_key
            and (edges.only_measures is null or list_contains(edges.only_measures, table_measures.measure))
        left join figures as child
            on child.document_id = edges.document_id and child.table_key = edges.table_key
            and child.row_index = edges.child_index and child.measure = table_measures.measure
        group by edges.rule_id, edges.document_id, edges.table_key, edges.parent_index, table_measures.measure
    ) as sums
    inner join tree_parts as parts
        on parts.rule_id = sums.rule_id and parts.document_id = sums.document_id
        and parts.table_key = sums.table_key and parts.parent_index = sums.parent_index
),

-- Tables whose rows print a split (a column besides the total): a budget's 收入总表 printing only totals, or a
-- 财政拨款收支总表 with one 预算数 column, has nothing to add up.
split_tables as (
    select document_id, table_key
    from figures
    where measure not in ('total', 'amount') and amount_wan is not null
    group by document_id, table_key
),

row_sums as (
    -- 人员经费 / 公用经费 (personnel, public) split 基本支出 (basic): parts of a part, not of the total.
    select
        case table_key
            when 'expenditure_by_function' then 'ROW-EXPENDITURE'
            when 'income_by_function' then 'ROW-INCOME'
            when 'general_budget_expenditure' then 'ROW-GENERAL-BUDGET'
            when 'fiscal_appropriation_summary' then 'FAS-ROW'
        end as rule_id,
        document_id,
        table_key,
        row_index as parent_index,
        'total' as measure,
        sum(amount_wan) filter (where measure not in ('total', 'amount', 'personnel', 'public')) as expected_wan,
        count(amount_wan) filter (where measure not in ('total', 'amount', 'personnel', 'public')) as parts_printed,
        '= ' || string_agg(measure, ' + ' order by measure) filter (where measure not in ('total', 'amount', 'personnel', 'public')) as detail,
        false as parts_inferred,
    from figures
    where (table_key in ('expenditure_by_function', 'income_by_function', 'general_budget_expenditure')
           or (table_key = 'fiscal_appropriation_summary' and summary_side = 'expenditure'))
      and (exists (select 1 from split_tables
                   where split_tables.document_id = figures.document_id and split_tables.table_key = figures.table_key)
           or (table_key <> 'fiscal_appropriation_summary' and document_id not in (
                   select document_id from documents where document_kind = 'budget')))
    group by document_id, table_key, row_index
),

-- Summary lines by name, their number (一、 （一）) aside.
summary_lines as (
    select
        *,
        regexp_replace(printed_name, '^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十0-9]+[）)])', '')
            as bare_name,
    from printed_rows
    where table_key in ('income_expenditure_summary', 'fiscal_appropriation_summary') and printed_name is not null
),

-- The lines the summary rules name, the first of each: 本年收入合计, 本年支出合计 (budgets: 一、本年收入 over its
-- parts), and the grand totals 总计.
named_anchors as (
    select lines.*, anchors.anchor
    from summary_lines as lines
    inner join (values ('income_total', 'income', '本年收入'), ('expenditure_total', 'expenditure', '本年支出'),
                       ('grand_income', 'income', '总计'), ('grand_income', 'income', '收入总计'),
                       ('grand_expenditure', 'expenditure', '总计'), ('grand_expenditure', 'expenditure', '支出总计'))
        as anchors(anchor, side, prefix)
        on lines.summary_side = anchors.side and starts_with(lines.bare_name, anchors.prefix)
    qualify row_number() over (partition by lines.document_id, lines.table_key, anchors.anchor
                               order by lines.row_index) = 1
),

-- A budget naming its grand totals 收入合计 / 支出合计 (重庆, 福州) prints them after 本年收入 / 本年支出 and the
-- balance lines; before those (or without them) 收入合计 is the year's total, and no grand total.
summary_anchors as (
    select * from named_anchors
    union all
    select lines.*, grand.anchor
    from (values ('grand_income', 'income_total', '收入合计'), ('grand_expenditure', 'expenditure_total', '支出合计'))
        as grand(anchor, total_anchor, name)
    inner join named_anchors as total on total.anchor = grand.total_anchor
    inner join summary_lines as lines
        on lines.document_id = total.document_id and lines.table_key = total.table_key
        and lines.summary_side = total.summary_side and lines.row_index > total.row_index and lines.bare_name = grand.name
    where not exists (select 1 from named_anchors as named
                      where named.document_id = total.document_id and named.table_key = total.table_key
                        and named.anchor = grand.anchor)
    qualify row_number() over (partition by lines.document_id, lines.table_key, grand.anchor
                               order by lines.row_index) = 1
),

-- The 收入支出决算总表's 本年收入合计 and 本年支出合计, and the detail table whose 合计 prints the same figure.
summary_totals as (
    select
        *,
        case summary_side when 'income' then 'income_by_function' else 'expenditure_by_function' end as detail_table,
    from summary_anchors
    where table_key = 'income_expenditure_summary' and anchor in ('income_total', 'expenditure_total')
),

-- The summary identities: SUM-* on the 收入支出决算总表, FAS-* on the 财政拨款收入支出决算总表.
summary_tables(table_key, prefix, balance_measure, expenditure_measures) as (
    values ('income_expenditure_summary', 'SUM', 'amount', ['amount']),
           ('fiscal_appropriation_summary', 'FAS', 'total', ['total', 'general_budget', 'gov_fund', 'soe_capital'])
),

-- The numbered income lines above 本年收入合计 (一、…; those below it break down the opening balance).
income_above as (
    select lines.*
    from summary_lines as lines
    left join summary_anchors as total
        on total.document_id = lines.document_id and total.table_key = lines.table_key
        and total.anchor = 'income_total'
    where lines.summary_side = 'income' and (total.row_index is null or lines.row_index < total.row_index)
),

-- Without 一、 numbers (财政拨款 4,676.96 over 1.一般公共预算拨款 …): the lines no number marks as a breakdown of
-- the line above, printed beside an expenditure line (a 款 alone on the table's right half is no income line).
income_parts as (
    select * from income_above where regexp_matches(printed_name, '^[一二三四五六七八九十]+[、.．]')
    union all
    -- 一、本年收入 heading its parts (budgets): the （一） （二） lines after it, before the next 一、 line.
    select lines.*
    from summary_anchors as total
    inner join summary_lines as lines
        on lines.document_id = total.document_id and lines.table_key = total.table_key
        and lines.summary_side = 'income' and lines.row_index > total.row_index
    where total.anchor = 'income_total' and regexp_matches(total.printed_name, '^[一二三四五六七八九十]+[、.．]')
      and regexp_matches(lines.printed_name, '^[（(][一二三四五六七八九十]+[）)]')
      and not exists (select 1 from summary_lines as numbered
                      where numbered.document_id = lines.document_id and numbered.table_key = lines.table_key
                        and numbered.summary_side = 'income' and numbered.row_index > total.row_index
                        and numbered.row_index < lines.row_index
                        and regexp_matches(numbered.printed_name, '^[一二三四五六七八九十]+[、.．]'))
    union all
    select above.*
    from income_above as above
    where not exists (select 1 from income_above as numbered
                      where numbered.document_id = above.document_id and numbered.table_key = above.table_key
                        and regexp_matches(numbered.printed_name, '^[一二三四五六七八九十]+[、.．]'))
      and not regexp_matches(above.printed_name,
                             '^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十0-9]+[）)]|[0-9]+[、.．])')
      and exists (select 1 from printed_rows as beside
                  where beside.document_id = above.document_id and beside.table_key = above.table_key
                    and beside.summary_side = 'expenditure' and beside.source_line = above.source_line)
),

-- The lines 本年支出合计 adds: the function classes, or, in a summary listing spending by its nature (一、基本支出
-- 二、项目支出 三、上缴上级支出 …, no function code), its numbered lines above the total.
expenditure_parts as (
    select * from summary_lines
    where summary_side = 'expenditure' and subject_code is not null and subject_code <> ''
    union all
    select lines.*
    from summary_lines as lines
    inner join summary_anchors as total
        on total.document_id = lines.document_id and total.table_key = lines.table_key
        and total.anchor = 'expenditure_total'
    where lines.summary_side = 'expenditure' and lines.row_index < total.row_index
      and regexp_matches(lines.printed_name, '^[一二三四五六七八九十]+[、.．]')
      and not exists (select 1 from summary_lines as coded
                      where coded.document_id = lines.document_id and coded.table_key = lines.table_key
                        and coded.summary_side = 'expenditure' and coded.subject_code is not null
                        and coded.subject_code <> '')
),

-- The lines a grand total adds to its 本年…合计 (position 0): the opening balance (income) or the closing one
-- (expenditure), the first line of each name. Budgets name them 上年结转(结余) / 年终结转结余, 结转下年.
balance_names(table_key, anchor, side, position, prefix) as (
    values ('income_expenditure_summary', 'grand_income', 'income', 1, '使用非财政拨款结余'),
           ('income_expenditure_summary', 'grand_income', 'income', 2, '用事业基金弥补'),
           ('income_expenditure_summary', 'grand_income', 'income', 3, '年初结转和结余'),
           ('income_expenditure_summary', 'grand_income', 'income', 4, '上年结转'),
           ('income_expenditure_summary', 'grand_income', 'income', 5, '上年结余'),
           ('income_expenditure_summary', 'grand_expenditure', 'expenditure', 1, '结余分配'),
           ('income_expenditure_summary', 'grand_expenditure', 'expenditure', 2, '年末结转和结余'),
           ('income_expenditure_summary', 'grand_expenditure', 'expenditure', 3, '年终结转结余'),
           ('income_expenditure_summary', 'grand_expenditure', 'expenditure', 4, '结转下年'),
           ('fiscal_appropriation_summary', 'grand_income', 'income', 1, '年初财政拨款结转和结余'),
           ('fiscal_appropriation_summary', 'grand_income', 'income', 2, '上年结转'),
           ('fiscal_appropriation_summary', 'grand_income', 'income', 3, '上年结余'),
           ('fiscal_appropriation_summary', 'grand_expenditure', 'expenditure', 1, '年末财政拨款结转和结余'),
           ('fiscal_appropriation_summary', 'grand_expenditure', 'expenditure', 2, '年终结转结余'),
           ('fiscal_appropriation_summary', 'grand_expenditure', 'expenditure', 3, '结转下年')
),

balance_parts as (
    select lines.document_id, lines.table_key, names.anchor, names.position, lines.row_index, lines.printed_name,
           lines.is_inferred,
    from summary_lines as lines
    inner join balance_names as names
        on names.table_key = lines.table_key and lines.summary_side = names.side
        and starts_with(lines.bare_name, names.prefix)
    qualify row_number() over (partition by lines.document_id, lines.table_key, names.anchor, names.position
                               order by lines.row_index) = 1
    union all
    select document_id, table_key, case anchor when 'income_total' then 'grand_income' else 'grand_expenditure' end,
           0, row_index, printed_name, is_inferred
    from summary_anchors
    where anchor in ('income_total', 'expenditure_total')
),

summary_edges as (
    select tables.prefix || '-INCOME' as rule_id, total.document_id, total.table_key, total.row_index as parent_index,
           parts.row_index as child_index, 0 as child_order, parts.printed_name as child_name,
           parts.is_inferred as child_inferred, ['amount'] as measures
    from summary_anchors as total
    inner join summary_tables as tables on tables.table_key = total.table_key
    left join income_parts as parts on parts.document_id = total.document_id and parts.table_key = total.table_key
    where total.anchor = 'income_total'
    union all
    select tables.prefix || '-EXPENDITURE', total.document_id, total.table_key, total.row_index, lines.row_index, 0,
           lines.printed_name, lines.is_inferred, tables.expenditure_measures
    from summary_anchors as total
    inner join summary_tables as tables on tables.table_key = total.table_key
    left join expenditure_parts as lines on lines.document_id = total.document_id and lines.table_key = total.table_key
    where total.anchor = 'expenditure_total'
    union all
    -- 总计 = 本年…合计 + the balance lines
    select tables.prefix || case grand.anchor when 'grand_income' then '-INCOME-TOTAL' else '-EXPENDITURE-TOTAL' end,
           grand.document_id, grand.table_key, grand.row_index, part.row_index, part.position, part.printed_name,
           part.is_inferred,
           case grand.anchor when 'grand_income' then ['amount'] else [tables.balance_measure] end
    from summary_anchors as grand
    inner join summary_tables as tables on tables.table_key = grand.table_key
    inner join summary_anchors as total
        on total.document_id = grand.document_id and total.table_key = grand.table_key
        and total.anchor = case grand.anchor when 'grand_income' then 'income_total' else 'expenditure_total' end
    inner join balance_parts as part
        on part.document_id = grand.document_id and part.table_key = grand.table_key and part.anchor = grand.anchor
    where grand.anchor in ('grand_income', 'grand_expenditure')
),

summary_sums as (
    select
        edges.rule_id, edges.document_id, edges.table_key, edges.parent_index, measures.measure,
        sum(child.amount_wan) as expected_wan,
        count(child.amount_wan) as parts_printed,
        case when ends_with(edges.rule_id, '-TOTAL')
             then string_agg(edges.child_name, ' + ' order by edges.child_order)
             else count(edges.child_index) || case when ends_with(edges.rule_id, 'INCOME') then ' income lines'
                                                   else ' class lines' end
        end as detail,
        coalesce(bool_or(edges.child_inferred), false) as parts_inferred,
    from summary_edges as edges
    cross join unnest(edges.measures) as measures(measure)
    left join figures as child
        on child.document_id = edges.document_id and child.table_key = edges.table_key
        and child.row_index = edges.child_index and child.measure = measures.measure
    group by edges.rule_id, edges.document_id, edges.table_key, edges.parent_index, measures.measure
),

-- 总计 of income against 总计 of expenditure.
summary_balance as (
    select tables.prefix || '-BALANCE' as rule_id, grand.document_id, grand.table_key, grand.row_index as parent_index,
           tables.balance_measure as measure, income.amount_wan as expected_wan, 1 as parts_printed,
           'income 总计 vs expenditure 总计' as detail, false as parts_inferred,
    from summary_anchors as grand
    inner join summary_tables as tables on tables.table_key = grand.table_key
    inner join summary_anchors as income_line
        on income_line.document_id = grand.document_id and income_line.table_key = grand.table_key
        and income_line.anchor = 'grand_income'
    left join figures as income
        on income.document_id = income_line.document_id and income.table_key = income_line.table_key
        and income.row_index = income_line.row_index and income.measure = 'amount'
    where grand.anchor = 'grand_expenditure'
),

-- A code's row in a detail table (the last one printed, as a continuation page's copy repeats it).
coded_rows as (
    select *
    from printed_rows
    where subject_code is not null and subject_code <> ''
      and table_key in ('expenditure_by_function', 'general_budget_expenditure')
    qualify row_number() over (partition by document_id, table_key, subject_code order by row_index desc) = 1
),

-- Class lines of the summaries against the detail tables: 收入支出决算总表 with 支出决算表 (where that table has
-- rows), 财政拨款收入支出决算总表's 一般公共预算 column (where printed) with the general-budget table.
class_pairs as (
    select lines.*, 'X-EXPENDITURE-CLASS' as rule_id, 'amount' as measure, 'expenditure_by_function' as detail_table,
           '支出决算表 ' as detail_prefix, true as with_line,
    from summary_lines as lines
    where lines.table_key = 'income_expenditure_summary' and lines.summary_side = 'expenditure'
      and lines.subject_code is not null and lines.subject_code <> ''
      and exists (select 1 from printed_rows as detail where detail.document_id = lines.document_id
                  and detail.table_key = 'expenditure_by_function')
    union all
    select lines.*, 'X-GENERAL-BUDGET-CLASS', 'general_budget', 'general_budget_expenditure',
           '一般公共预算财政拨款支出决算表 ', false
    from summary_lines as lines
    where lines.table_key = 'fiscal_appropriation_summary' and lines.summary_side = 'expenditure'
      and lines.subject_code is not null and lines.subject_code <> ''
      and exists (select 1 from figures where figures.document_id = lines.document_id
                  and figures.table_key = 'fiscal_appropriation_summary' and figures.measure = 'general_budget'
                  and figures.amount_wan is not null)
      and exists (select 1 from coded_rows where coded_rows.document_id = lines.document_id
                  and coded_rows.table_key = 'general_budget_expenditure')
),

-- The economic table's group totals (a budget's one 合计 line where it prints one), the last of each group.
economic_totals as (
    select *
    from printed_rows
    where table_key = 'general_budget_basic_by_economic' and subject_code is null
    qualify row_number() over (partition by document_id, row_group order by row_index desc) = 1
),

economic_basic as (
    select document_id, sum(figures.amount_wan) as expected_wan, count(*) as parts_printed,
           bool_or(totals.is_inferred) as parts_inferred,
    from economic_totals as totals
    left join figures using (document_id, table_key, row_index)
    where (figures.measure = 'amount' or figures.measure is null)
      and (totals.row_group = 'total') = exists (select 1 from economic_totals as any_total
                                                 where any_total.document_id = totals.document_id
                                                   and any_total.row_group = 'total')
    group by document_id
),

-- A cross-table check compares one figure with one other table's: its tolerance is that of one part. Layout
-- warnings on `also_warned` (the other table) make its failure suspect as well as warnings on its own table.
cross_sums as (
    select 'X-' || case lines.summary_side when 'income' then 'INCOME' else 'EXPENDITURE' end || '-TOTAL' as rule_id,
           lines.document_id, lines.table_key, lines.row_index as parent_index, 'amount' as measure,
           detail.amount_wan as expected_wan, 1 as parts_printed,
           case lines.summary_side when 'income' then '收入决算表' else '支出决算表' end
               || ' 合计 (line ' || total.source_line || ')' as detail,
           total.is_inferred as parts_inferred, [lines.detail_table] as also_warned,
    from summary_totals as lines
    inner join first_totals as total
        on total.document_id = lines.document_id and total.table_key = lines.detail_table
    left join figures as detail
        on detail.document_id = total.document_id and detail.table_key = total.table_key
        and detail.row_index = total.row_index and detail.measure = 'total'
    union all
    select pairs.rule_id, pairs.document_id, pairs.table_key, pairs.row_index, pairs.measure,
           detail.amount_wan, 1,
           pairs.detail_prefix || pairs.subject_code
               || case when not pairs.with_line then ''
                       when coded.row_index is null then ' (absent)'
                       else ' (line ' || coded.source_line || ')' end,
           coalesce(coded.is_inferred, false), [pairs.detail_table],
    from class_pairs as pairs
    left join coded_rows as coded
        on coded.document_id = pairs.document_id and coded.table_key = pairs.detail_table
        and coded.subject_code = pairs.subject_code
    left join figures as detail
        on detail.document_id = coded.document_id and detail.table_key = coded.table_key
        and detail.row_index = coded.row_index and detail.measure = 'total'
    left join figures as line
        on line.document_id = pairs.document_id and line.table_key = pairs.table_key
        and line.row_index = pairs.row_index and line.measure = pairs.measure
    where not (coalesce(line.amount_wan, 0) = 0 and coded.row_index is null)
),

-- ECO-BASIC is reported on the economic table, its figure being the general-budget table's 合计 基本支出.
economic_cross as (
    select 'ECO-BASIC' as rule_id, total.document_id, 'general_budget_basic_by_economic' as table_key,
           'general_budget_expenditure' as row_table, total.row_index as parent_index, 'basic' as measure,
           basic.expected_wan, basic.parts_printed,
           '人员经费合计 + 公用经费合计 vs 一般公共预算 合计 基本支出' as detail, basic.parts_inferred,
           ['general_budget_expenditure'] as also_warned, '人员经费合计 + 公用经费合计' as name_override,
    from first_totals as total
    inner join economic_basic as basic on basic.document_id = total.document_id
    inner join figures as printed
        on printed.document_id = total.document_id and printed.table_key = total.table_key
        and printed.row_index = total.row_index and printed.measure = 'basic' and printed.amount_wan is not null
    where total.table_key = 'general_budget_expenditure'
),

final as (
    select * from tree_sums union all by name select * from row_sums
    union all by name select * from cross_sums union all by name select * from economic_cross
    union all by name select * from summary_sums union all by name select * from summary_balance
)

select final.* replace (keys.document_id as document_id)
from final
inner join document_keys as keys on keys.document_key = final.document_id
