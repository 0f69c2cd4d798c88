class DefaultLanguageMiddleware:
    """The UI language is the user's explicit choice (language cookie) or RISKDESK_LANGUAGE.

    Browsers' Accept-Language is ignored on purpose: riskdesk is Chinese first, and a risk team
    should see one language unless a user switches.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
