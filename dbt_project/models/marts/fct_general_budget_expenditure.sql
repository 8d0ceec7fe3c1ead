{{ function_fact('general_budget_expenditure', ['total', 'basic', 'personnel', 'public', 'project']) }}
