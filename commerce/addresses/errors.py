from commerce.core.errors import Conflict, NotFound


class AddressNotFound(NotFound):
    code = "address_not_found"
    title = "Address not found"


class AddressBookFull(Conflict):
    code = "address_book_full"
    title = "The address book is full"
