"""Views of the declarations app, one module per audience:

* ``account``  enterprise sign-up, login, account page (members, API tokens);
* ``declare``  the firm's own declarations: form with live checks, publish, revise,
               modify, withdraw;
* ``bulk``     XLSX template and bulk import for larger firms;
* ``public``   public pages: declaration (with history), enterprise, search, texts.
"""
