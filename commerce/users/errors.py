from commerce.core.errors import Conflict, NotFound


class UserNotFound(NotFound):
    code = "user_not_found"
    title = "User not found"


class UsernameTaken(Conflict):
    code = "username_taken"
    title = "Username is taken"
