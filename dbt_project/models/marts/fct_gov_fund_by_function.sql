{{ function_fact('gov_fund', ['opening_balance', 'income', 'expenditure_total', 'total', 'basic', 'project', 'closing_balance']) }}
