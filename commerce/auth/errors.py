from commerce.core.errors import Conflict, Forbidden, NotFound, Throttled, Unauthenticated


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    title = "Email or password is incorrect"


class InvalidToken(Unauthenticated):
    code = "invalid_token"
    title = "Token is invalid or expired"


class RefreshTokenReused(Unauthenticated):
    code = "refresh_token_reused"
    title = "Refresh token was already used; every session of this login has been revoked"


class AccountDisabled(Forbidden):
    code = "account_disabled"
    title = "Account is disabled"


class EmailTaken(Conflict):
    code = "email_taken"
    title = "Email is already registered"


class UsernameTaken(Conflict):
    code = "username_taken"
    title = "Username is taken"


class RoleRequired(Forbidden):
    code = "role_required"
    title = "Your role does not allow this"


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "Account not found"


class LoginThrottled(Throttled):
    code = "login_throttled"
    title = "Too many failed logins; try again later"
