from declarations.views import account, bulk, declare, public

app_name = "declarations"

urlpatterns = [
    *account.urlpatterns,
    *declare.urlpatterns,
    *bulk.urlpatterns,
    *public.urlpatterns,
]
