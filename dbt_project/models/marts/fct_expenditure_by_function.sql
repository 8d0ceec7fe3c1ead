{{ function_fact('expenditure_by_function', ['total', 'basic', 'personnel', 'public', 'project', 'remit_to_superior', 'operating', 'subsidy_to_subsidiary']) }}
