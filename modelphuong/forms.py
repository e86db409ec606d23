"""Django's account forms, as this site uses them."""

from django.contrib.auth import forms as auth_forms

from modelphuong.language import in_site_language


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, with the e-mail in the site's language: it goes to the account's owner, whatever language
    the person who asked for it reads the pages in."""

    send_mail = in_site_language(auth_forms.PasswordResetForm.send_mail)
