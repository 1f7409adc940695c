"""Error pages in French, inside the DSFR layout."""
from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("Requête incorrecte", "La demande n’a pas pu être comprise. Vérifiez les informations saisies."),
    401: ("Connexion requise", "Connectez-vous pour accéder à cette page."),
    403: ("Accès refusé", "Vous n’avez pas les droits nécessaires pour accéder à cette page ou faire cette action."),
    404: ("Page non trouvée", "La page que vous cherchez est introuvable. Vérifiez l’adresse ou revenez à l’accueil."),
    405: ("Méthode non autorisée", "Cette action n’est pas possible sur cette page."),
    413: ("Fichier trop volumineux", "Le fichier envoyé dépasse la taille autorisée."),
    429: ("Trop de tentatives", "Trop de tentatives en peu de temps. Patientez une minute avant de réessayer."),
    500: ("Erreur inattendue", "Une erreur est survenue de notre côté. L’équipe a été prévenue ; réessayez plus tard."),
    503: ("Service indisponible", "Le service est momentanément indisponible. Réessayez dans quelques instants."),
}
CSRF_MESSAGE = (
    "Session expirée",
    "Le formulaire a expiré ou n’a pas été envoyé depuis cette application. Rechargez la page et recommencez.",
)


#: The challenge of a 401 that names none: the API takes personal tokens (RFC 6750).
DEFAULT_CHALLENGE = 'Bearer realm="Portfolio"'


def render_error(code: int, title: str, message: str, details: dict | None = None):
    if request.path.startswith("/api/"):
        body = {"error": title, "message": message}
        if details:
            body["errors"] = details
        return body, code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _parameter_errors(error: HTTPException) -> dict | None:
    """The messages of each invalid parameter (webargs puts them in `data`), by location."""
    data = getattr(error, "data", None)
    return data.get("messages") if isinstance(data, dict) else None


def _first_message(details: dict | None) -> str | None:
    for messages in (details or {}).values():
        for name, texts in (messages.items() if isinstance(messages, dict) else ()):
            text = texts[0] if isinstance(texts, list) and texts else texts
            return f"Paramètre « {name} » : {text}"
    return None


def handle_http_error(error: HTTPException):
    code = error.code or 500
    title, message = CSRF_MESSAGE if isinstance(error, CSRFError) else MESSAGES.get(code, MESSAGES[500])
    details = _parameter_errors(error)
    message = getattr(error, "api_message", None) or _first_message(details) or message
    body, status = render_error(code, title, message, details)
    # The exception's own headers (Allow of a 405, WWW-Authenticate of a 401) survive the French page.
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    return body, status, headers


def challenge_unauthorized(response):
    """after_request: every 401 names how to authenticate (RFC 9110), whichever view answered it."""
    if response.status_code == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = DEFAULT_CHALLENGE
    return response


def register(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    # Unhandled exceptions reach here as a 500 (the traceback is logged by Flask).
    app.register_error_handler(500, handle_http_error)
    app.after_request(challenge_unauthorized)
