// The "Add identity provider" form: once a kind is chosen, only that kind's fieldsets show.
// The other kinds' inputs are disabled too, so what was typed there before switching is not
// sent. Without JavaScript every fieldset shows and the server checks which fields apply.
(function () {
    "use strict";

    function apply(select) {
        var kind = select.value;
        document.querySelectorAll("fieldset.flex-kind-fields").forEach(function (fieldset) {
            var shown = kind !== "" && fieldset.classList.contains("flex-for-" + kind);
            fieldset.hidden = !shown;
            fieldset.querySelectorAll("input, select, textarea").forEach(function (input) {
                input.disabled = !shown;
            });
        });
    }

    function start() {
        var select = document.querySelector("select#id_kind");
        if (!select || !document.querySelector("fieldset.flex-kind-fields")) {
            return;
        }
        select.addEventListener("change", function () { apply(select); });
        apply(select);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
