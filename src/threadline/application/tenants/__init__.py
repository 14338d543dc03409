"""Tenant administration, one module per use case: what the operator API and the ``threadline
tenant`` commands both do, so each rule and side effect (the cached tenant dropped, the search
index rebuilt) is written once and the two entry points differ only in how they answer."""
