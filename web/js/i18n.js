// The web app's languages: the four the mail is written in (en, de, es,
// fr), chosen the way mail chooses (internal/locale, docs/api.md "Mail
// language"): the browser's languages in order, the first one we have; else,
// once signed in, the account's stored locale (/api/auth/me); else English.
// The page's <html lang> follows, and register and forgot-password send the
// choice as `locale`, so the mail matches the page.
//
// The pages are written in English; English text is the key. translatePage
// replaces, in place, every element whose whole content (HTML) is a key,
// and t() does the same for the sentences the scripts write. To add a
// string: add the English as it stands in the page (whitespace collapsed)
// and its translations below. A missing key stays English.
import * as session from "/js/session.js";

const supported = ["en", "de", "es", "fr"];

const messages = {
  de: {
    "Todo": "Todo",
    "Page not found · Todo": "Seite nicht gefunden · Todo",
    "Page not found": "Seite nicht gefunden",
    'There is nothing at this address. <a href="/">Go to your tasks</a>.': 'Unter dieser Adresse gibt es nichts. <a href="/">Zu deinen Aufgaben</a>.',
    "Forgot your password · Todo": "Passwort vergessen · Todo",
    "Forgot your password?": "Passwort vergessen?",
    "Enter the address you signed up with and we will mail you a link to set a new password.": "Gib die Adresse ein, mit der du dich registriert hast. Wir schicken dir einen Link, mit dem du ein neues Passwort festlegst.",
    "Email": "E-Mail",
    "Send the link": "Link senden",
    '<a href="/sign-in">Back to sign in</a>': '<a href="/sign-in">Zurück zur Anmeldung</a>',
    "Check your inbox": "Sieh in dein Postfach",
    'The link works once, for a limited time. Nothing after a few minutes? Check your spam folder, or <a href="/forgot-password">send another link</a>.': 'Der Link funktioniert einmal und nur eine begrenzte Zeit. Nach ein paar Minuten noch nichts da? Sieh im Spam-Ordner nach oder <a href="/forgot-password">sende einen neuen Link</a>.',
    "Your tasks · Todo": "Deine Aufgaben · Todo",
    "Your tasks": "Deine Aufgaben",
    "Sign out": "Abmelden",
    "New task": "Neue Aufgabe",
    "Add": "Hinzufügen",
    "Task list": "Aufgabenliste",
    "No tasks yet. Add one above.": "Noch keine Aufgaben. Füge oben eine hinzu.",
    "Set a new password · Todo": "Neues Passwort festlegen · Todo",
    "Set a new password": "Neues Passwort festlegen",
    "Checking your link…": "Dein Link wird geprüft …",
    "New password": "Neues Passwort",
    "At least 8 characters.": "Mindestens 8 Zeichen.",
    "Repeat the new password": "Neues Passwort wiederholen",
    "Change password": "Passwort ändern",
    "This link has expired or was already used": "Dieser Link ist abgelaufen oder wurde schon benutzt",
    "Reset links work once, for a limited time. Request a new one and use the newest mail.": "Links zum Zurücksetzen funktionieren einmal und nur eine begrenzte Zeit. Fordere einen neuen an und nimm die neueste E-Mail.",
    '<a class="button" href="/forgot-password">Request a new link</a>': '<a class="button" href="/forgot-password">Neuen Link anfordern</a>',
    "This link is incomplete": "Dieser Link ist unvollständig",
    "Open the link from the mail again, or copy all of it into the address bar. You can also request a new one.": "Öffne den Link aus der E-Mail noch einmal oder kopiere ihn vollständig in die Adressleiste. Du kannst auch einen neuen anfordern.",
    "We could not check your link": "Wir konnten deinen Link nicht prüfen",
    "Nothing has changed. Check your connection, then try again.": "Es hat sich nichts geändert. Prüfe deine Verbindung und versuche es noch einmal.",
    "Try again": "Noch einmal versuchen",
    "Sign in · Todo": "Anmelden · Todo",
    "Sign in": "Anmelden",
    "Password": "Passwort",
    '<a href="/forgot-password">Forgot your password?</a>': '<a href="/forgot-password">Passwort vergessen?</a>',
    'No account yet? <a href="/sign-up">Create one</a>.': 'Noch kein Konto? <a href="/sign-up">Erstelle eins</a>.',
    "Create an account · Todo": "Konto erstellen · Todo",
    "Create an account": "Konto erstellen",
    "Name": "Name",
    "Create account": "Konto erstellen",
    'Already have an account? <a href="/sign-in">Sign in</a>.': 'Schon ein Konto? <a href="/sign-in">Anmelden</a>.',
    'If the address can be used, a link to confirm it is on its way to <strong id="sent-to"></strong>. Open it to finish creating your account.': 'Wenn die Adresse verwendet werden kann, ist ein Bestätigungslink an <strong id="sent-to"></strong> unterwegs. Öffne ihn, um dein Konto fertig einzurichten.',
    'Nothing after a few minutes? Check your spam folder, or <a href="/sign-up">try again</a>.': 'Nach ein paar Minuten noch nichts da? Sieh im Spam-Ordner nach oder <a href="/sign-up">versuche es noch einmal</a>.',
    "Confirm your email · Todo": "E-Mail-Adresse bestätigen · Todo",
    "Confirm your email address": "Bestätige deine E-Mail-Adresse",
    "One step left: type the password you chose when you signed up.": "Noch ein Schritt: Gib das Passwort ein, das du bei der Registrierung gewählt hast.",
    "The one you chose on the sign-up page.": "Das Passwort, das du auf der Registrierungsseite gewählt hast.",
    'Did not sign up, or forgot the password? Nothing happens without it: <a href="/sign-up">sign up</a> with a password of your own to get a new link.': 'Nicht registriert oder das Passwort vergessen? Ohne das Passwort passiert nichts: <a href="/sign-up">Registriere dich</a> mit einem eigenen Passwort, um einen neuen Link zu bekommen.',
    "Confirm and sign in": "Bestätigen und anmelden",
    'Confirmation links work once. If you already confirmed your address, <a href="/sign-in">sign in</a>. Otherwise <a href="/sign-up">sign up again</a> to get a new link.': 'Bestätigungslinks funktionieren einmal. Wenn du deine Adresse schon bestätigt hast, <a href="/sign-in">melde dich an</a>. Sonst <a href="/sign-up">registriere dich noch einmal</a>, um einen neuen Link zu bekommen.',
    "Delete": "Löschen",
    "Please correct the highlighted fields.": "Bitte korrigiere die markierten Felder.",
    "The two passwords are not the same.": "Die beiden Passwörter sind nicht gleich.",
    "Too many attempts. Try again shortly.": "Zu viele Versuche. Versuche es gleich noch einmal.",
    "We could not reach the server. Check your connection and try again.": "Wir konnten den Server nicht erreichen. Prüfe deine Verbindung und versuche es noch einmal.",
    "You have signed out.": "Du hast dich abgemeldet.",
    "Your email address is confirmed. Welcome!": "Deine E-Mail-Adresse ist bestätigt. Willkommen!",
    "Your session has ended. Sign in again.": "Deine Sitzung ist abgelaufen. Melde dich noch einmal an.",
    "Please fill in this field.": "Bitte fülle dieses Feld aus.",
    // The API's own sentences, which the pages show as they come.
    "If an account exists for that address, a reset link is on its way.": "Wenn es für diese Adresse ein Konto gibt, ist ein Link zum Zurücksetzen unterwegs.",
    "Your password has been changed. Sign in with your new password.": "Dein Passwort wurde geändert. Melde dich mit deinem neuen Passwort an.",
  },
  es: {
    "Page not found · Todo": "Página no encontrada · Todo",
    "Page not found": "Página no encontrada",
    'There is nothing at this address. <a href="/">Go to your tasks</a>.': 'No hay nada en esta dirección. <a href="/">Ir a tus tareas</a>.',
    "Forgot your password · Todo": "¿Olvidaste tu contraseña? · Todo",
    "Forgot your password?": "¿Olvidaste tu contraseña?",
    "Enter the address you signed up with and we will mail you a link to set a new password.": "Escribe la dirección con la que te registraste y te enviaremos un enlace para elegir una contraseña nueva.",
    "Email": "Correo electrónico",
    "Send the link": "Enviar el enlace",
    '<a href="/sign-in">Back to sign in</a>': '<a href="/sign-in">Volver a iniciar sesión</a>',
    "Check your inbox": "Revisa tu bandeja de entrada",
    'The link works once, for a limited time. Nothing after a few minutes? Check your spam folder, or <a href="/forgot-password">send another link</a>.': 'El enlace funciona una vez y durante un tiempo limitado. ¿No llega nada en unos minutos? Revisa la carpeta de spam o <a href="/forgot-password">envía otro enlace</a>.',
    "Your tasks · Todo": "Tus tareas · Todo",
    "Your tasks": "Tus tareas",
    "Sign out": "Cerrar sesión",
    "New task": "Nueva tarea",
    "Add": "Añadir",
    "Task list": "Lista de tareas",
    "No tasks yet. Add one above.": "Aún no hay tareas. Añade una arriba.",
    "Set a new password · Todo": "Elige una contraseña nueva · Todo",
    "Set a new password": "Elige una contraseña nueva",
    "Checking your link…": "Comprobando tu enlace…",
    "New password": "Contraseña nueva",
    "At least 8 characters.": "Al menos 8 caracteres.",
    "Repeat the new password": "Repite la contraseña nueva",
    "Change password": "Cambiar la contraseña",
    "This link has expired or was already used": "Este enlace ha caducado o ya se usó",
    "Reset links work once, for a limited time. Request a new one and use the newest mail.": "Los enlaces de restablecimiento funcionan una vez y durante un tiempo limitado. Pide uno nuevo y usa el correo más reciente.",
    '<a class="button" href="/forgot-password">Request a new link</a>': '<a class="button" href="/forgot-password">Pedir un enlace nuevo</a>',
    "This link is incomplete": "Este enlace está incompleto",
    "Open the link from the mail again, or copy all of it into the address bar. You can also request a new one.": "Abre de nuevo el enlace del correo o cópialo entero en la barra de direcciones. También puedes pedir uno nuevo.",
    "We could not check your link": "No pudimos comprobar tu enlace",
    "Nothing has changed. Check your connection, then try again.": "No ha cambiado nada. Revisa tu conexión y vuelve a intentarlo.",
    "Try again": "Volver a intentarlo",
    "Sign in · Todo": "Iniciar sesión · Todo",
    "Sign in": "Iniciar sesión",
    "Password": "Contraseña",
    '<a href="/forgot-password">Forgot your password?</a>': '<a href="/forgot-password">¿Olvidaste tu contraseña?</a>',
    'No account yet? <a href="/sign-up">Create one</a>.': '¿Aún no tienes cuenta? <a href="/sign-up">Crea una</a>.',
    "Create an account · Todo": "Crear una cuenta · Todo",
    "Create an account": "Crear una cuenta",
    "Name": "Nombre",
    "Create account": "Crear cuenta",
    'Already have an account? <a href="/sign-in">Sign in</a>.': '¿Ya tienes cuenta? <a href="/sign-in">Inicia sesión</a>.',
    'If the address can be used, a link to confirm it is on its way to <strong id="sent-to"></strong>. Open it to finish creating your account.': 'Si la dirección se puede usar, va de camino a <strong id="sent-to"></strong> un enlace para confirmarla. Ábrelo para terminar de crear tu cuenta.',
    'Nothing after a few minutes? Check your spam folder, or <a href="/sign-up">try again</a>.': '¿No llega nada en unos minutos? Revisa la carpeta de spam o <a href="/sign-up">vuelve a intentarlo</a>.',
    "Confirm your email · Todo": "Confirma tu correo · Todo",
    "Confirm your email address": "Confirma tu dirección de correo",
    "One step left: type the password you chose when you signed up.": "Falta un paso: escribe la contraseña que elegiste al registrarte.",
    "The one you chose on the sign-up page.": "La que elegiste en la página de registro.",
    'Did not sign up, or forgot the password? Nothing happens without it: <a href="/sign-up">sign up</a> with a password of your own to get a new link.': '¿No te registraste u olvidaste la contraseña? Sin ella no pasa nada: <a href="/sign-up">regístrate</a> con una contraseña tuya para recibir un enlace nuevo.',
    "Confirm and sign in": "Confirmar e iniciar sesión",
    'Confirmation links work once. If you already confirmed your address, <a href="/sign-in">sign in</a>. Otherwise <a href="/sign-up">sign up again</a> to get a new link.': 'Los enlaces de confirmación funcionan una vez. Si ya confirmaste tu dirección, <a href="/sign-in">inicia sesión</a>. Si no, <a href="/sign-up">regístrate de nuevo</a> para recibir un enlace nuevo.',
    "Delete": "Eliminar",
    "Please correct the highlighted fields.": "Corrige los campos marcados.",
    "The two passwords are not the same.": "Las dos contraseñas no coinciden.",
    "Too many attempts. Try again shortly.": "Demasiados intentos. Vuelve a intentarlo en breve.",
    "We could not reach the server. Check your connection and try again.": "No pudimos conectar con el servidor. Revisa tu conexión y vuelve a intentarlo.",
    "You have signed out.": "Has cerrado la sesión.",
    "Your email address is confirmed. Welcome!": "Tu dirección de correo está confirmada. ¡Bienvenido!",
    "Your session has ended. Sign in again.": "Tu sesión ha terminado. Vuelve a iniciar sesión.",
    "Please fill in this field.": "Rellena este campo.",
    // The API's own sentences, which the pages show as they come.
    "If an account exists for that address, a reset link is on its way.": "Si existe una cuenta con esa dirección, va de camino un enlace para restablecer la contraseña.",
    "Your password has been changed. Sign in with your new password.": "Tu contraseña se ha cambiado. Inicia sesión con tu contraseña nueva.",
  },
  fr: {
    "Page not found · Todo": "Page introuvable · Todo",
    "Page not found": "Page introuvable",
    'There is nothing at this address. <a href="/">Go to your tasks</a>.': 'Il n’y a rien à cette adresse. <a href="/">Aller à vos tâches</a>.',
    "Forgot your password · Todo": "Mot de passe oublié · Todo",
    "Forgot your password?": "Mot de passe oublié ?",
    "Enter the address you signed up with and we will mail you a link to set a new password.": "Saisissez l’adresse de votre inscription : nous vous enverrons un lien pour choisir un nouveau mot de passe.",
    "Email": "E-mail",
    "Send the link": "Envoyer le lien",
    '<a href="/sign-in">Back to sign in</a>': '<a href="/sign-in">Retour à la connexion</a>',
    "Check your inbox": "Consultez votre boîte de réception",
    'The link works once, for a limited time. Nothing after a few minutes? Check your spam folder, or <a href="/forgot-password">send another link</a>.': 'Le lien fonctionne une fois, pendant un temps limité. Rien après quelques minutes ? Regardez dans vos spams, ou <a href="/forgot-password">envoyez un autre lien</a>.',
    "Your tasks · Todo": "Vos tâches · Todo",
    "Your tasks": "Vos tâches",
    "Sign out": "Se déconnecter",
    "New task": "Nouvelle tâche",
    "Add": "Ajouter",
    "Task list": "Liste des tâches",
    "No tasks yet. Add one above.": "Aucune tâche pour l’instant. Ajoutez-en une ci-dessus.",
    "Set a new password · Todo": "Choisir un nouveau mot de passe · Todo",
    "Set a new password": "Choisir un nouveau mot de passe",
    "Checking your link…": "Vérification de votre lien…",
    "New password": "Nouveau mot de passe",
    "At least 8 characters.": "Au moins 8 caractères.",
    "Repeat the new password": "Répétez le nouveau mot de passe",
    "Change password": "Changer le mot de passe",
    "This link has expired or was already used": "Ce lien a expiré ou a déjà servi",
    "Reset links work once, for a limited time. Request a new one and use the newest mail.": "Les liens de réinitialisation fonctionnent une fois, pendant un temps limité. Demandez-en un nouveau et utilisez l’e-mail le plus récent.",
    '<a class="button" href="/forgot-password">Request a new link</a>': '<a class="button" href="/forgot-password">Demander un nouveau lien</a>',
    "This link is incomplete": "Ce lien est incomplet",
    "Open the link from the mail again, or copy all of it into the address bar. You can also request a new one.": "Ouvrez de nouveau le lien de l’e-mail, ou copiez-le en entier dans la barre d’adresse. Vous pouvez aussi en demander un nouveau.",
    "We could not check your link": "Nous n’avons pas pu vérifier votre lien",
    "Nothing has changed. Check your connection, then try again.": "Rien n’a changé. Vérifiez votre connexion, puis réessayez.",
    "Try again": "Réessayer",
    "Sign in · Todo": "Connexion · Todo",
    "Sign in": "Se connecter",
    "Password": "Mot de passe",
    '<a href="/forgot-password">Forgot your password?</a>': '<a href="/forgot-password">Mot de passe oublié ?</a>',
    'No account yet? <a href="/sign-up">Create one</a>.': 'Pas encore de compte ? <a href="/sign-up">Créez-en un</a>.',
    "Create an account · Todo": "Créer un compte · Todo",
    "Create an account": "Créer un compte",
    "Name": "Nom",
    "Create account": "Créer le compte",
    'Already have an account? <a href="/sign-in">Sign in</a>.': 'Déjà un compte ? <a href="/sign-in">Connectez-vous</a>.',
    'If the address can be used, a link to confirm it is on its way to <strong id="sent-to"></strong>. Open it to finish creating your account.': 'Si l’adresse peut être utilisée, un lien pour la confirmer part vers <strong id="sent-to"></strong>. Ouvrez-le pour terminer la création de votre compte.',
    'Nothing after a few minutes? Check your spam folder, or <a href="/sign-up">try again</a>.': 'Rien après quelques minutes ? Regardez dans vos spams, ou <a href="/sign-up">réessayez</a>.',
    "Confirm your email · Todo": "Confirmez votre e-mail · Todo",
    "Confirm your email address": "Confirmez votre adresse e-mail",
    "One step left: type the password you chose when you signed up.": "Dernière étape : saisissez le mot de passe choisi lors de votre inscription.",
    "The one you chose on the sign-up page.": "Celui que vous avez choisi sur la page d’inscription.",
    'Did not sign up, or forgot the password? Nothing happens without it: <a href="/sign-up">sign up</a> with a password of your own to get a new link.': 'Vous ne vous êtes pas inscrit, ou avez oublié le mot de passe ? Sans lui, rien ne se passe : <a href="/sign-up">inscrivez-vous</a> avec votre propre mot de passe pour recevoir un nouveau lien.',
    "Confirm and sign in": "Confirmer et se connecter",
    'Confirmation links work once. If you already confirmed your address, <a href="/sign-in">sign in</a>. Otherwise <a href="/sign-up">sign up again</a> to get a new link.': 'Les liens de confirmation fonctionnent une fois. Si vous avez déjà confirmé votre adresse, <a href="/sign-in">connectez-vous</a>. Sinon, <a href="/sign-up">inscrivez-vous de nouveau</a> pour recevoir un nouveau lien.',
    "Delete": "Supprimer",
    "Please correct the highlighted fields.": "Corrigez les champs signalés.",
    "The two passwords are not the same.": "Les deux mots de passe ne sont pas identiques.",
    "Too many attempts. Try again shortly.": "Trop de tentatives. Réessayez dans un instant.",
    "We could not reach the server. Check your connection and try again.": "Impossible de joindre le serveur. Vérifiez votre connexion et réessayez.",
    "You have signed out.": "Vous êtes déconnecté.",
    "Your email address is confirmed. Welcome!": "Votre adresse e-mail est confirmée. Bienvenue !",
    "Your session has ended. Sign in again.": "Votre session a pris fin. Reconnectez-vous.",
    "Please fill in this field.": "Veuillez remplir ce champ.",
    // The API's own sentences, which the pages show as they come.
    "If an account exists for that address, a reset link is on its way.": "Si un compte existe pour cette adresse, un lien de réinitialisation est en route.",
    "Your password has been changed. Sign in with your new password.": "Votre mot de passe a été changé. Connectez-vous avec votre nouveau mot de passe.",
  },
};

// ownScript are languages x/text matches to English although they are
// written in a script of their own: it takes them only bare ("bn") or in
// Latin script ("bn-Latn-IN"), not with a region or variant alone ("bn-IN").
const ownScript = "ben bn bur chr geo ji ka kan kat khm km kn lao lo mal ml my mya ne nep or ori pa pan ps pus sd si sin snd ta tam te tel ti tir tlh ur urd yi yid";

// alike lists, for each of our languages, the other languages that
// golang.org/x/text/language (so the mail) matches to it with high
// confidence, by primary subtag: Swiss German gets German, Galician
// Spanish, Breton French, and many languages English, as CLDR says.
const alike = {
  en: "ach ak aka alb bem cy cym ee eng eo epo ewe ga gaa gd gla gle ha hau haw ia ibo ice ig ina is isl kri lg loz lug mao mfe mi mlt mri mt nso ny nya nyn om orm pcm rn run sn sna so som sot sq sqi st sw swa tn to ton tsn tum wel xh xho yo yor zu zul " + ownScript,
  de: "deu ger gsw lb ltz rm roh",
  es: "ay aym baq eu eus gl glg gn grn qu que spa",
  fr: "br bre co cos crs fra fre hat ht kg kin kon lin ln lua mg mlg oc oci rw wo wol",
};

const ownScriptSet = new Set(ownScript.split(" "));
const language = new Map(supported.map((l) => [l, l]));
for (const [l, codes] of Object.entries(alike)) for (const c of codes.split(" ")) language.set(c, l);

// match is the language of ours one BCP 47 tag gets, or "" for none, as
// locale.Matcher decides it: our four are written in Latin script, so a tag
// in another script gets none. The browser test checks it against the Go
// matcher.
export function match(tag) {
  const [base, ...rest] = String(tag).trim().toLowerCase().split("-");
  const l = language.get(base) || "";
  const script = rest[0] && /^[a-z]{4}$/.test(rest[0]) ? rest[0] : "";
  if (!l || (script && script !== "latn")) return "";
  if (ownScriptSet.has(base) && !script && rest.length > 0 && rest[0] !== "x") return "";
  return l;
}

// pick returns the language of the first tag that has one, or "".
export function pick(tags) {
  for (const tag of tags || []) {
    const l = match(tag);
    if (l) return l;
  }
  return "";
}

// A stored locale is BCP 47 tags in order, joined by commas.
const tagsOf = (pref) => (pref ? pref.split(",") : []);

const browser = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];

// lang is the page's language; locale is what register and forgot-password
// send, so that the mail is written in it.
export let lang = pick(browser) || pick(tagsOf(session.accountLocale())) || "en";
export { lang as locale };

let dict = messages[lang] || {};

// useAccountLocale takes the signed-in account's stored locale (from
// /api/auth/me). When no browser language is ours, the page switches to
// the account's: in place while it is still in English, the words being
// the keys, else by a reload.
export function useAccountLocale(pref) {
  session.keepAccountLocale(pref);
  if (pick(browser)) return;
  const want = pick(tagsOf(pref)) || "en";
  if (want === lang) return;
  if (lang !== "en") {
    location.reload();
    return;
  }
  lang = want;
  dict = messages[lang] || {};
  translatePage();
}

// t translates one English sentence the scripts write.
export function t(english) {
  return dict[english] || english;
}

const translatable = "title, h1, h2, p, label, button, a, li, span, strong, small, legend, th, option";

// markup writes an element's content as the keys are written: text as it
// stands, elements as <tag name="value">…</tag>. It reads the DOM rather
// than the HTML parser's serialisation, so that no script here touches an
// HTML sink (the pages keep to textContent; see static_test.go).
function markup(node) {
  let out = "";
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      out += child.data;
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const tag = child.localName;
      const attrs = Array.from(child.attributes, (a) => ` ${a.name}="${a.value}"`).join("");
      out += `<${tag}${attrs}>${markup(child)}</${tag}>`;
    }
  }
  return out;
}

// parsed turns a translation, which comes from the dictionary above and
// never from a user, into nodes.
function parsed(html) {
  return new DOMParser().parseFromString(html, "text/html").body.childNodes;
}

// translatePage replaces every element whose whole content is a key.
export function translatePage(root = document) {
  document.documentElement.lang = lang;
  if (lang === "en") return;
  for (const el of root.querySelectorAll(translatable)) {
    const key = markup(el).replace(/\s+/g, " ").trim();
    if (!key || !Object.hasOwn(dict, key)) continue;
    const value = dict[key];
    if (value.includes("<")) el.replaceChildren(...parsed(value));
    else el.textContent = value;
  }
}

translatePage();
