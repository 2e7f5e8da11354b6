import time

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import RegexValidator
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import ConsentKind, Language
from podkowa.accounts.services.registration import DUPLICATE_EMAIL_MESSAGE

User = get_user_model()


def _name_field(label, autocomplete: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=150,
                           widget=forms.TextInput(attrs={"autocomplete": autocomplete}))


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We will send a link to this address to confirm it is yours."),
    )
    first_name = _name_field(_("First name"), "given-name")
    last_name = _name_field(_("Last name"), "family-name")
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Type the same password again, to be sure there is no typing mistake."),
    )
    language = forms.ChoiceField(label=_("Language of messages"), choices=Language.choices)

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(DUPLICATE_EMAIL_MESSAGE, code="duplicate")
        return email

    def clean(self):
        cleaned = super().clean()
        password1 = cleaned.get("password1")
        password2 = cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", forms.ValidationError(
                _("The two passwords are different."), code="password_mismatch"))
        elif password1:
            # An unsaved user, so that the similarity check compares with the name and address.
            candidate = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EmailLoginForm(AuthenticationForm):
    """Django's login form with the e-mail address as the user name (Axes reads ``username``)."""

    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("The e-mail address or the password is not correct."),
        "inactive": _("This account is no longer active."),
    }

    def clean_username(self) -> str:
        # Addresses are stored in lower case; the lock-out must count "Anna@" and "anna@" as one.
        return self.cleaned_data["username"].strip().lower()


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the message goes through the outbox like every other one."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from podkowa.notifications.models import OutboxMessage
        from podkowa.notifications.services import outbox_enqueue

        user = context["user"]
        with translation.override(user.language):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            body = render_to_string(email_template_name, context)
            html = (
                render_to_string(html_email_template_name, context)
                if html_email_template_name else ""
            )
        outbox_enqueue(
            gmina=context["gmina"],
            recipient=user,
            channel=OutboxMessage.Channel.EMAIL,
            address=to_email,
            subject=subject,
            body=body,
            html_body=html,
            # One message per account every ten minutes, so the public form cannot be used to
            # flood someone's mailbox; the first link stays valid meanwhile.
            dedup_key=f"password-reset:{user.pk}:{int(time.time() // 600)}",
        )


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from the authenticator app"),
        min_length=6,
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("Enter the six digits shown in the app."))],
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}",
            "size": "6",
        }),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "")


class ProfileForm(forms.Form):
    first_name = _name_field(_("First name"), "given-name")
    last_name = _name_field(_("Last name"), "family-name")
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False,
        validators=[RegexValidator(r"^\+?[0-9 ()-]{6,}$",
                                   _("Enter a phone number, e.g. +48 600 100 200."))],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    street = forms.CharField(
        label=_("Street and number"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"), max_length=6, required=False,
        validators=[RegexValidator(r"^\d{2}-\d{3}$", _("Use the form 00-000."))],
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=_("City"), max_length=100, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    notify_by_email = forms.BooleanField(label=_("Notify me by e-mail"), required=False)
    notify_by_sms = forms.BooleanField(label=_("Notify me by text message"), required=False)


class ConsentDecisionForm(forms.Form):
    GRANT = "grant"
    REVOKE = "revoke"

    kind = forms.ChoiceField(choices=ConsentKind.choices, widget=forms.HiddenInput)
    text_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[(GRANT, _("I agree")), (REVOKE, _("I withdraw"))])


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the device"),
        max_length=100,
        help_text=_("So that you recognise the token later, e.g. “Anna's phone”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ApiTokenRevokeForm(forms.Form):
    token_id = forms.IntegerField(widget=forms.HiddenInput)


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account will be closed and my data erased, except what "
                "the law requires the town to keep."),
    )


class LoginGovEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We will send a link to this address to confirm it is yours."),
    )


class LoginGovLinkForm(forms.Form):
    password = forms.CharField(
        label=_("Password of the existing account"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ResidencyDeclarationForm(forms.Form):
    street = forms.CharField(label=_("Street and number"), max_length=200,
                             widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    postal_code = forms.CharField(label=_("Postal code"), max_length=6,
                                  widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    city = forms.CharField(label=_("Town"), max_length=100,
                           widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    since = forms.DateField(label=_("Living here since"),
                            widget=forms.DateInput(attrs={"type": "date"}))


class RepresentationRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("I act for"), widget=forms.RadioSelect, choices=[
        ("firm", _("a firm (NIP)")), ("person", _("another person"))])
    name = forms.CharField(label=_("Name of the firm or the person"), max_length=200)
    identifier = forms.CharField(label=_("NIP of the firm or PESEL of the person"),
                                 max_length=20,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                               "autocomplete": "off"}))
    document = forms.CharField(label=_("Authorisation document"), max_length=200,
                               help_text=_("Bring it to the office; it is confirmed there."))
