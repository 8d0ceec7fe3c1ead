{{ function_fact('income_by_function', ['total', 'fiscal_appropriation', 'superior_subsidy', 'business_income', 'operating_income', 'subsidiary_remittance', 'other_income']) }}
