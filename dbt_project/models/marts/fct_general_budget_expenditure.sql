{{ function_fact('general_budget_expenditure', ['total', 'basic', 'project']) }}
