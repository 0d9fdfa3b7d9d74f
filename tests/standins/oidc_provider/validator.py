from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    """The claims a city's identity provider would give: the login name (and a display name)."""

    def get_additional_claims(self, request):
        return {"preferred_username": request.user.username, "name": request.user.first_name}
