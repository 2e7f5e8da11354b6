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


@register.filter
def m3(litres) -> str:
    """Litres as cubic metres with three decimals, Polish style: 123,456 m³."""
    try:
        value = int(litres)
    except (TypeError, ValueError):
        return ""
    return f"{value // 1000},{value % 1000:03d}\u00a0m³"
