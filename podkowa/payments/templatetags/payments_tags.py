from django import template

register = template.Library()


@register.filter
def zl(grosze) -> str:
    """Grosze as Polish money: 1 234,56 zł (non-breaking spaces, so it never wraps)."""
    try:
        value = int(grosze)
    except (TypeError, ValueError):
        return ""
    sign = "−" if value < 0 else ""
    whole, rest = divmod(abs(value), 100)
    return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{rest:02d}\u00a0zł"
