/* Threadline moderation console: plain modern JavaScript, no framework, no build step.
   Mounted in a Shadow DOM in #threadline-console (its own page /console/, or a host's admin page
   through console.js). Every text goes in as text: no HTML parsing anywhere, no inline style, no
   eval, so it runs under a strict CSP. Every action is one API call with the staff token. */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const cfg = script.dataset;
  const API = new URL(script.src).origin;
  const CSS_URL = new URL("console.css", script.src).href;
  const STANDALONE = "standalone" in cfg;
  const TOKEN_KEY = "threadline-console-token";
  const LANG_KEY = "threadline-console-lang";
  const PAGE = 20;
  const host = () => window.threadline || {};

  /* ---------- languages ---------- */
  const M = {
    en: {
      banned_forever: "Banned until lifted", added: "added", removed: "removed",
      title: "Moderation console", language: "Language", theme: "Theme", theme_auto: "Automatic", theme_light: "Light", theme_dark: "Dark",
      sign_in: "Sign in", sign_out: "Sign out", signed_in_as: "Signed in as {name} ({role})",
      role_moderator: "moderator", role_admin: "admin", role_user: "user", sections: "Sections",
      queue: "Queue", bans: "Bans", locks: "Locked threads", search: "Search", back: "Back",
      token_label: "Access token of a moderator or an admin", token_help: "Paste the token your site issues for Threadline. It is kept in this tab only.",
      e_token: "That is not a valid token.", expired: "Your session has expired. Sign in again.",
      not_staff: "{name} is neither a moderator nor an admin: the console is only for a site's moderators and admins.",
      load_more: "Load more", loading: "Loading…", history: "History", activity: "Author's activity",
      history_of: "History of the comment by {name}", activity_of: "Activity of {name}", anonymous: "Anonymous",
      status_PENDING: "Pending", status_ACTIVE: "Published", status_REJECTED: "Rejected", status_DELETED: "Deleted",
      reason: "Reason", expires: "Expires", expires_help: "Leave empty to ban until lifted.", until_lifted: "until lifted",
      show: "Show", all: "All", pending: "Pending", reported: "Reported",
      bulk: "Selected comments", select_all: "Select all on this page", selected: { one: "{n} selected", other: "{n} selected" },
      bulk_reason: "Reason for rejecting", approve_selected: "Approve selected", reject_selected: "Reject selected",
      select_comment: "Select the comment by {name}", approve: "Approve", reject: "Reject", reject_reason: "Reason for rejecting (optional)",
      confirm_reject: "Reject comment", cancel: "Cancel", reports: { one: "{n} report", other: "{n} reports" },
      report_reasons: "Report reasons", no_reason: "no reason given", approved: "Approved", rejected: "Rejected",
      failed: "Failed: {error}", bulk_done: "Done: {ok}. Failed: {failed}.", queue_empty: "Nothing awaits a moderator.",
      lift: "Lift ban", lift_on: "Lift the ban on {user}", lifted_ok: "The ban on {user} is lifted.", add_ban: "Ban a user",
      user_id: "User id", ban: "Ban", banned_ok: "{user} is banned.", banned_now: "Banned users", user: "User",
      banned_by: "Banned by", since: "Since", actions: "Actions", no_bans: "No one is banned.",
      lock_thread: "Lock a thread", entity_type: "Thread type", entity_id: "Thread id", lock: "Lock", locked_ok: "{thread} is locked.",
      locked_now: "Locked threads", thread: "Thread", locked_by: "Locked by", unlock: "Unlock", unlock_named: "Unlock {thread}",
      unlocked_ok: "{thread} is unlocked.", no_locks: "No thread is locked.",
      search_label: "Search all comments", search_button: "Search", results_label: "Search results",
      matches: { one: "{n} match", other: "{n} matches" }, no_results: "No comment matches.",
      history_title: "A comment's history", timeline: "What happened to it", by: "by {name}", no_actions: "Nothing yet.",
      activity_title: "Activity of {user}", ban_status: "Ban", banned_until: "Banned until", not_banned: "Not banned.",
      their_comments: "Their comments", actions_on: "Actions taken on them", no_comments: "No comments.",
      ev_CommentCreated: "Written", ev_CommentUpdated: "Edited", ev_CommentDeleted: "Deleted", ev_CommentHardDeleted: "Erased",
      ev_CommentApproved: "Approved", ev_CommentRejected: "Rejected", ev_CommentReported: "Reported", ev_CommentPinned: "Pinned",
      ev_CommentUnpinned: "Unpinned", ev_CommentAnonymized: "Anonymized", ev_UserBanned: "Banned", ev_UserUnbanned: "Ban lifted",
      ev_CommentLiked: "Liked", ev_CommentUnliked: "Like withdrawn",
      e_denied: "You are not allowed to do that.", e_gone: "That comment no longer exists.",
      e_network: "The server could not be reached. Try again.", e_rate: "Too fast. Wait a moment and try again.",
      e_generic: "Something went wrong ({detail}).",
    },
    de: {
      banned_forever: "Gesperrt bis zur Aufhebung", added: "hinzugefügt", removed: "entfernt",
      title: "Moderationskonsole", language: "Sprache", theme: "Design", theme_auto: "Automatisch", theme_light: "Hell", theme_dark: "Dunkel",
      sign_in: "Anmelden", sign_out: "Abmelden", signed_in_as: "Angemeldet als {name} ({role})",
      role_moderator: "Moderator", role_admin: "Admin", role_user: "Benutzer", sections: "Bereiche",
      queue: "Warteschlange", bans: "Sperren", locks: "Gesperrte Threads", search: "Suche", back: "Zurück",
      token_label: "Zugangstoken eines Moderators oder Admins", token_help: "Füge das Token ein, das deine Website für Threadline ausstellt. Es bleibt nur in diesem Tab.",
      e_token: "Das ist kein gültiges Token.", expired: "Deine Sitzung ist abgelaufen. Melde dich erneut an.",
      not_staff: "{name} ist weder Moderator noch Admin: Die Konsole ist nur für Moderatoren und Admins einer Website.",
      load_more: "Mehr laden", loading: "Wird geladen…", history: "Verlauf", activity: "Aktivität des Autors",
      history_of: "Verlauf des Kommentars von {name}", activity_of: "Aktivität von {name}", anonymous: "Anonym",
      status_PENDING: "Wartend", status_ACTIVE: "Veröffentlicht", status_REJECTED: "Abgelehnt", status_DELETED: "Gelöscht",
      reason: "Grund", expires: "Läuft ab", expires_help: "Leer lassen: gesperrt bis zur Aufhebung.", until_lifted: "bis zur Aufhebung",
      show: "Zeigen", all: "Alle", pending: "Wartend", reported: "Gemeldet",
      bulk: "Ausgewählte Kommentare", select_all: "Alle auf dieser Seite auswählen", selected: { one: "{n} ausgewählt", other: "{n} ausgewählt" },
      bulk_reason: "Grund der Ablehnung", approve_selected: "Auswahl freigeben", reject_selected: "Auswahl ablehnen",
      select_comment: "Kommentar von {name} auswählen", approve: "Freigeben", reject: "Ablehnen", reject_reason: "Grund der Ablehnung (optional)",
      confirm_reject: "Kommentar ablehnen", cancel: "Abbrechen", reports: { one: "{n} Meldung", other: "{n} Meldungen" },
      report_reasons: "Gründe der Meldungen", no_reason: "kein Grund angegeben", approved: "Freigegeben", rejected: "Abgelehnt",
      failed: "Fehlgeschlagen: {error}", bulk_done: "Erledigt: {ok}. Fehlgeschlagen: {failed}.", queue_empty: "Nichts wartet auf einen Moderator.",
      lift: "Sperre aufheben", lift_on: "Sperre von {user} aufheben", lifted_ok: "Die Sperre von {user} ist aufgehoben.", add_ban: "Benutzer sperren",
      user_id: "Benutzer-ID", ban: "Sperren", banned_ok: "{user} ist gesperrt.", banned_now: "Gesperrte Benutzer", user: "Benutzer",
      banned_by: "Gesperrt von", since: "Seit", actions: "Aktionen", no_bans: "Niemand ist gesperrt.",
      lock_thread: "Thread sperren", entity_type: "Thread-Typ", entity_id: "Thread-ID", lock: "Sperren", locked_ok: "{thread} ist gesperrt.",
      locked_now: "Gesperrte Threads", thread: "Thread", locked_by: "Gesperrt von", unlock: "Entsperren", unlock_named: "{thread} entsperren",
      unlocked_ok: "{thread} ist entsperrt.", no_locks: "Kein Thread ist gesperrt.",
      search_label: "Alle Kommentare durchsuchen", search_button: "Suchen", results_label: "Suchergebnisse",
      matches: { one: "{n} Treffer", other: "{n} Treffer" }, no_results: "Kein Kommentar passt.",
      history_title: "Verlauf eines Kommentars", timeline: "Was mit ihm geschah", by: "von {name}", no_actions: "Noch nichts.",
      activity_title: "Aktivität von {user}", ban_status: "Sperre", banned_until: "Gesperrt bis", not_banned: "Nicht gesperrt.",
      their_comments: "Kommentare", actions_on: "Aktionen zu diesem Benutzer", no_comments: "Keine Kommentare.",
      ev_CommentCreated: "Geschrieben", ev_CommentUpdated: "Bearbeitet", ev_CommentDeleted: "Gelöscht", ev_CommentHardDeleted: "Gelöscht (endgültig)",
      ev_CommentApproved: "Freigegeben", ev_CommentRejected: "Abgelehnt", ev_CommentReported: "Gemeldet", ev_CommentPinned: "Angeheftet",
      ev_CommentUnpinned: "Gelöst", ev_CommentAnonymized: "Anonymisiert", ev_UserBanned: "Gesperrt", ev_UserUnbanned: "Sperre aufgehoben",
      ev_CommentLiked: "Gefällt", ev_CommentUnliked: "Gefällt nicht mehr",
      e_denied: "Das darfst du nicht.", e_gone: "Diesen Kommentar gibt es nicht mehr.",
      e_network: "Der Server ist nicht erreichbar. Versuch es noch einmal.", e_rate: "Zu schnell. Warte einen Moment.",
      e_generic: "Etwas ist schiefgegangen ({detail}).",
    },
    fr: {
      banned_forever: "Banni jusqu'à levée", added: "ajouté", removed: "supprimé",
      title: "Console de modération", language: "Langue", theme: "Thème", theme_auto: "Automatique", theme_light: "Clair", theme_dark: "Sombre",
      sign_in: "Se connecter", sign_out: "Se déconnecter", signed_in_as: "Connecté en tant que {name} ({role})",
      role_moderator: "modérateur", role_admin: "admin", role_user: "utilisateur", sections: "Rubriques",
      queue: "File d'attente", bans: "Bannissements", locks: "Discussions verrouillées", search: "Recherche", back: "Retour",
      token_label: "Jeton d'accès d'un modérateur ou d'un admin", token_help: "Collez le jeton que votre site émet pour Threadline. Il n'est gardé que dans cet onglet.",
      e_token: "Ce n'est pas un jeton valide.", expired: "Votre session a expiré. Reconnectez-vous.",
      not_staff: "{name} n'est ni modérateur ni admin : la console est réservée aux modérateurs et admins du site.",
      load_more: "Charger plus", loading: "Chargement…", history: "Historique", activity: "Activité de l'auteur",
      history_of: "Historique du commentaire de {name}", activity_of: "Activité de {name}", anonymous: "Anonyme",
      status_PENDING: "En attente", status_ACTIVE: "Publié", status_REJECTED: "Refusé", status_DELETED: "Supprimé",
      reason: "Motif", expires: "Expire le", expires_help: "Vide : banni jusqu'à levée.", until_lifted: "jusqu'à levée",
      show: "Afficher", all: "Tous", pending: "En attente", reported: "Signalés",
      bulk: "Commentaires sélectionnés", select_all: "Tout sélectionner sur cette page", selected: { one: "{n} sélectionné", other: "{n} sélectionnés" },
      bulk_reason: "Motif du refus", approve_selected: "Approuver la sélection", reject_selected: "Refuser la sélection",
      select_comment: "Sélectionner le commentaire de {name}", approve: "Approuver", reject: "Refuser", reject_reason: "Motif du refus (facultatif)",
      confirm_reject: "Refuser le commentaire", cancel: "Annuler", reports: { one: "{n} signalement", other: "{n} signalements" },
      report_reasons: "Motifs des signalements", no_reason: "sans motif", approved: "Approuvé", rejected: "Refusé",
      failed: "Échec : {error}", bulk_done: "Faits : {ok}. Échecs : {failed}.", queue_empty: "Rien n'attend de modérateur.",
      lift: "Lever le bannissement", lift_on: "Lever le bannissement de {user}", lifted_ok: "Le bannissement de {user} est levé.", add_ban: "Bannir un utilisateur",
      user_id: "Identifiant", ban: "Bannir", banned_ok: "{user} est banni.", banned_now: "Utilisateurs bannis", user: "Utilisateur",
      banned_by: "Banni par", since: "Depuis", actions: "Actions", no_bans: "Personne n'est banni.",
      lock_thread: "Verrouiller une discussion", entity_type: "Type de discussion", entity_id: "Identifiant de discussion", lock: "Verrouiller", locked_ok: "{thread} est verrouillée.",
      locked_now: "Discussions verrouillées", thread: "Discussion", locked_by: "Verrouillée par", unlock: "Déverrouiller", unlock_named: "Déverrouiller {thread}",
      unlocked_ok: "{thread} est déverrouillée.", no_locks: "Aucune discussion n'est verrouillée.",
      search_label: "Rechercher dans tous les commentaires", search_button: "Rechercher", results_label: "Résultats",
      matches: { one: "{n} résultat", other: "{n} résultats" }, no_results: "Aucun commentaire ne correspond.",
      history_title: "Historique d'un commentaire", timeline: "Ce qui lui est arrivé", by: "par {name}", no_actions: "Rien pour l'instant.",
      activity_title: "Activité de {user}", ban_status: "Bannissement", banned_until: "Banni jusqu'au", not_banned: "Pas banni.",
      their_comments: "Ses commentaires", actions_on: "Actions le concernant", no_comments: "Aucun commentaire.",
      ev_CommentCreated: "Écrit", ev_CommentUpdated: "Modifié", ev_CommentDeleted: "Supprimé", ev_CommentHardDeleted: "Effacé",
      ev_CommentApproved: "Approuvé", ev_CommentRejected: "Refusé", ev_CommentReported: "Signalé", ev_CommentPinned: "Épinglé",
      ev_CommentUnpinned: "Désépinglé", ev_CommentAnonymized: "Anonymisé", ev_UserBanned: "Banni", ev_UserUnbanned: "Bannissement levé",
      ev_CommentLiked: "Aimé", ev_CommentUnliked: "J'aime retiré",
      e_denied: "Vous n'avez pas le droit de faire cela.", e_gone: "Ce commentaire n'existe plus.",
      e_network: "Le serveur est injoignable. Réessayez.", e_rate: "Trop rapide. Attendez un instant.",
      e_generic: "Une erreur s'est produite ({detail}).",
    },
    es: {
      banned_forever: "Bloqueado hasta que se levante", added: "añadido", removed: "quitado",
      title: "Consola de moderación", language: "Idioma", theme: "Tema", theme_auto: "Automático", theme_light: "Claro", theme_dark: "Oscuro",
      sign_in: "Iniciar sesión", sign_out: "Cerrar sesión", signed_in_as: "Sesión de {name} ({role})",
      role_moderator: "moderador", role_admin: "admin", role_user: "usuario", sections: "Secciones",
      queue: "Cola", bans: "Bloqueos", locks: "Hilos cerrados", search: "Buscar", back: "Volver",
      token_label: "Token de acceso de un moderador o un admin", token_help: "Pega el token que tu sitio emite para Threadline. Solo se guarda en esta pestaña.",
      e_token: "No es un token válido.", expired: "Tu sesión ha caducado. Inicia sesión de nuevo.",
      not_staff: "{name} no es moderador ni admin: la consola es solo para los moderadores y admins del sitio.",
      load_more: "Cargar más", loading: "Cargando…", history: "Historial", activity: "Actividad del autor",
      history_of: "Historial del comentario de {name}", activity_of: "Actividad de {name}", anonymous: "Anónimo",
      status_PENDING: "Pendiente", status_ACTIVE: "Publicado", status_REJECTED: "Rechazado", status_DELETED: "Eliminado",
      reason: "Motivo", expires: "Caduca", expires_help: "Vacío: bloqueado hasta que se levante.", until_lifted: "hasta que se levante",
      show: "Mostrar", all: "Todos", pending: "Pendientes", reported: "Denunciados",
      bulk: "Comentarios seleccionados", select_all: "Seleccionar todo en esta página", selected: { one: "{n} seleccionado", other: "{n} seleccionados" },
      bulk_reason: "Motivo del rechazo", approve_selected: "Aprobar selección", reject_selected: "Rechazar selección",
      select_comment: "Seleccionar el comentario de {name}", approve: "Aprobar", reject: "Rechazar", reject_reason: "Motivo del rechazo (opcional)",
      confirm_reject: "Rechazar comentario", cancel: "Cancelar", reports: { one: "{n} denuncia", other: "{n} denuncias" },
      report_reasons: "Motivos de las denuncias", no_reason: "sin motivo", approved: "Aprobado", rejected: "Rechazado",
      failed: "Error: {error}", bulk_done: "Hechos: {ok}. Fallidos: {failed}.", queue_empty: "Nada espera a un moderador.",
      lift: "Levantar bloqueo", lift_on: "Levantar el bloqueo de {user}", lifted_ok: "El bloqueo de {user} se ha levantado.", add_ban: "Bloquear a un usuario",
      user_id: "Id de usuario", ban: "Bloquear", banned_ok: "{user} está bloqueado.", banned_now: "Usuarios bloqueados", user: "Usuario",
      banned_by: "Bloqueado por", since: "Desde", actions: "Acciones", no_bans: "Nadie está bloqueado.",
      lock_thread: "Cerrar un hilo", entity_type: "Tipo de hilo", entity_id: "Id del hilo", lock: "Cerrar", locked_ok: "{thread} está cerrado.",
      locked_now: "Hilos cerrados", thread: "Hilo", locked_by: "Cerrado por", unlock: "Reabrir", unlock_named: "Reabrir {thread}",
      unlocked_ok: "{thread} está abierto.", no_locks: "Ningún hilo está cerrado.",
      search_label: "Buscar en todos los comentarios", search_button: "Buscar", results_label: "Resultados",
      matches: { one: "{n} resultado", other: "{n} resultados" }, no_results: "Ningún comentario coincide.",
      history_title: "Historial de un comentario", timeline: "Lo que le pasó", by: "por {name}", no_actions: "Nada todavía.",
      activity_title: "Actividad de {user}", ban_status: "Bloqueo", banned_until: "Bloqueado hasta", not_banned: "No está bloqueado.",
      their_comments: "Sus comentarios", actions_on: "Acciones sobre este usuario", no_comments: "Sin comentarios.",
      ev_CommentCreated: "Escrito", ev_CommentUpdated: "Editado", ev_CommentDeleted: "Eliminado", ev_CommentHardDeleted: "Borrado",
      ev_CommentApproved: "Aprobado", ev_CommentRejected: "Rechazado", ev_CommentReported: "Denunciado", ev_CommentPinned: "Fijado",
      ev_CommentUnpinned: "Desfijado", ev_CommentAnonymized: "Anonimizado", ev_UserBanned: "Bloqueado", ev_UserUnbanned: "Bloqueo levantado",
      ev_CommentLiked: "Me gusta", ev_CommentUnliked: "Me gusta retirado",
      e_denied: "No tienes permiso para hacer eso.", e_gone: "Ese comentario ya no existe.",
      e_network: "No se pudo contactar con el servidor. Inténtalo de nuevo.", e_rate: "Demasiado rápido. Espera un momento.",
      e_generic: "Algo salió mal ({detail}).",
    },
    ru: {
      banned_forever: "Заблокирован до снятия", added: "добавлено", removed: "удалено",
      title: "Консоль модерации", language: "Язык", theme: "Тема", theme_auto: "Автоматически", theme_light: "Светлая", theme_dark: "Тёмная",
      sign_in: "Войти", sign_out: "Выйти", signed_in_as: "Вы вошли как {name} ({role})",
      role_moderator: "модератор", role_admin: "администратор", role_user: "пользователь", sections: "Разделы",
      queue: "Очередь", bans: "Блокировки", locks: "Закрытые обсуждения", search: "Поиск", back: "Назад",
      token_label: "Токен доступа модератора или администратора", token_help: "Вставьте токен, который ваш сайт выдаёт для Threadline. Он хранится только в этой вкладке.",
      e_token: "Это не действительный токен.", expired: "Сеанс истёк. Войдите снова.",
      not_staff: "{name} не модератор и не администратор: консоль только для модераторов и администраторов сайта.",
      load_more: "Загрузить ещё", loading: "Загрузка…", history: "История", activity: "Активность автора",
      history_of: "История комментария {name}", activity_of: "Активность {name}", anonymous: "Аноним",
      status_PENDING: "Ожидает", status_ACTIVE: "Опубликован", status_REJECTED: "Отклонён", status_DELETED: "Удалён",
      reason: "Причина", expires: "Истекает", expires_help: "Пусто: до снятия блокировки.", until_lifted: "до снятия",
      show: "Показать", all: "Все", pending: "Ожидающие", reported: "С жалобами",
      bulk: "Выбранные комментарии", select_all: "Выбрать все на странице", selected: { one: "Выбран {n}", few: "Выбрано {n}", many: "Выбрано {n}", other: "Выбрано {n}" },
      bulk_reason: "Причина отклонения", approve_selected: "Одобрить выбранные", reject_selected: "Отклонить выбранные",
      select_comment: "Выбрать комментарий {name}", approve: "Одобрить", reject: "Отклонить", reject_reason: "Причина отклонения (необязательно)",
      confirm_reject: "Отклонить комментарий", cancel: "Отмена", reports: { one: "{n} жалоба", few: "{n} жалобы", many: "{n} жалоб", other: "{n} жалобы" },
      report_reasons: "Причины жалоб", no_reason: "без причины", approved: "Одобрен", rejected: "Отклонён",
      failed: "Ошибка: {error}", bulk_done: "Готово: {ok}. Ошибок: {failed}.", queue_empty: "Ничто не ждёт модератора.",
      lift: "Снять блокировку", lift_on: "Снять блокировку с {user}", lifted_ok: "Блокировка с {user} снята.", add_ban: "Заблокировать пользователя",
      user_id: "ID пользователя", ban: "Заблокировать", banned_ok: "{user} заблокирован.", banned_now: "Заблокированные пользователи", user: "Пользователь",
      banned_by: "Заблокировал", since: "С", actions: "Действия", no_bans: "Никто не заблокирован.",
      lock_thread: "Закрыть обсуждение", entity_type: "Тип обсуждения", entity_id: "ID обсуждения", lock: "Закрыть", locked_ok: "{thread} закрыто.",
      locked_now: "Закрытые обсуждения", thread: "Обсуждение", locked_by: "Закрыл", unlock: "Открыть", unlock_named: "Открыть {thread}",
      unlocked_ok: "{thread} открыто.", no_locks: "Закрытых обсуждений нет.",
      search_label: "Поиск по всем комментариям", search_button: "Найти", results_label: "Результаты поиска",
      matches: { one: "{n} совпадение", few: "{n} совпадения", many: "{n} совпадений", other: "{n} совпадения" }, no_results: "Ничего не найдено.",
      history_title: "История комментария", timeline: "Что с ним происходило", by: "— {name}", no_actions: "Пока ничего.",
      activity_title: "Активность {user}", ban_status: "Блокировка", banned_until: "Заблокирован до", not_banned: "Не заблокирован.",
      their_comments: "Комментарии", actions_on: "Действия в отношении пользователя", no_comments: "Комментариев нет.",
      ev_CommentCreated: "Написан", ev_CommentUpdated: "Изменён", ev_CommentDeleted: "Удалён", ev_CommentHardDeleted: "Стёрт",
      ev_CommentApproved: "Одобрен", ev_CommentRejected: "Отклонён", ev_CommentReported: "Жалоба", ev_CommentPinned: "Закреплён",
      ev_CommentUnpinned: "Откреплён", ev_CommentAnonymized: "Обезличен", ev_UserBanned: "Заблокирован", ev_UserUnbanned: "Блокировка снята",
      ev_CommentLiked: "Нравится", ev_CommentUnliked: "Больше не нравится",
      e_denied: "У вас нет на это прав.", e_gone: "Этого комментария больше нет.",
      e_network: "Сервер недоступен. Попробуйте ещё раз.", e_rate: "Слишком быстро. Подождите немного.",
      e_generic: "Что-то пошло не так ({detail}).",
    },
    zh: {
      banned_forever: "封禁直到解除", added: "新增", removed: "删除",
      title: "审核控制台", language: "语言", theme: "主题", theme_auto: "自动", theme_light: "浅色", theme_dark: "深色",
      sign_in: "登录", sign_out: "退出", signed_in_as: "已登录：{name}（{role}）",
      role_moderator: "版主", role_admin: "管理员", role_user: "用户", sections: "栏目",
      queue: "待审队列", bans: "封禁", locks: "已锁定的讨论", search: "搜索", back: "返回",
      token_label: "版主或管理员的访问令牌", token_help: "粘贴你的网站为 Threadline 签发的令牌。它只保存在此标签页中。",
      e_token: "这不是有效的令牌。", expired: "会话已过期，请重新登录。",
      not_staff: "{name} 既不是版主也不是管理员：控制台仅供网站的版主和管理员使用。",
      load_more: "加载更多", loading: "加载中…", history: "历史", activity: "作者的活动",
      history_of: "{name} 的评论历史", activity_of: "{name} 的活动", anonymous: "匿名",
      status_PENDING: "待审核", status_ACTIVE: "已发布", status_REJECTED: "已拒绝", status_DELETED: "已删除",
      reason: "原因", expires: "到期时间", expires_help: "留空：直到解除。", until_lifted: "直到解除",
      show: "显示", all: "全部", pending: "待审核", reported: "被举报",
      bulk: "选中的评论", select_all: "全选本页", selected: { other: "已选 {n} 条" },
      bulk_reason: "拒绝原因", approve_selected: "批准所选", reject_selected: "拒绝所选",
      select_comment: "选择 {name} 的评论", approve: "批准", reject: "拒绝", reject_reason: "拒绝原因（可选）",
      confirm_reject: "拒绝评论", cancel: "取消", reports: { other: "{n} 条举报" },
      report_reasons: "举报原因", no_reason: "未说明原因", approved: "已批准", rejected: "已拒绝",
      failed: "失败：{error}", bulk_done: "完成：{ok}。失败：{failed}。", queue_empty: "没有等待审核的内容。",
      lift: "解除封禁", lift_on: "解除 {user} 的封禁", lifted_ok: "{user} 的封禁已解除。", add_ban: "封禁用户",
      user_id: "用户 ID", ban: "封禁", banned_ok: "{user} 已被封禁。", banned_now: "被封禁的用户", user: "用户",
      banned_by: "封禁者", since: "开始于", actions: "操作", no_bans: "没有人被封禁。",
      lock_thread: "锁定讨论", entity_type: "讨论类型", entity_id: "讨论 ID", lock: "锁定", locked_ok: "{thread} 已锁定。",
      locked_now: "已锁定的讨论", thread: "讨论", locked_by: "锁定者", unlock: "解锁", unlock_named: "解锁 {thread}",
      unlocked_ok: "{thread} 已解锁。", no_locks: "没有锁定的讨论。",
      search_label: "搜索所有评论", search_button: "搜索", results_label: "搜索结果",
      matches: { other: "{n} 条结果" }, no_results: "没有匹配的评论。",
      history_title: "评论的历史", timeline: "经过", by: "操作者 {name}", no_actions: "暂无。",
      activity_title: "{user} 的活动", ban_status: "封禁", banned_until: "封禁至", not_banned: "未被封禁。",
      their_comments: "其评论", actions_on: "对其采取的操作", no_comments: "没有评论。",
      ev_CommentCreated: "发表", ev_CommentUpdated: "编辑", ev_CommentDeleted: "删除", ev_CommentHardDeleted: "彻底删除",
      ev_CommentApproved: "批准", ev_CommentRejected: "拒绝", ev_CommentReported: "举报", ev_CommentPinned: "置顶",
      ev_CommentUnpinned: "取消置顶", ev_CommentAnonymized: "匿名化", ev_UserBanned: "封禁", ev_UserUnbanned: "解除封禁",
      ev_CommentLiked: "点赞", ev_CommentUnliked: "取消点赞",
      e_denied: "你无权这样做。", e_gone: "该评论已不存在。",
      e_network: "无法连接服务器，请重试。", e_rate: "操作太快，请稍候。",
      e_generic: "出错了（{detail}）。",
    },
    ja: {
      banned_forever: "解除まで禁止", added: "追加", removed: "削除",
      title: "モデレーションコンソール", language: "言語", theme: "テーマ", theme_auto: "自動", theme_light: "ライト", theme_dark: "ダーク",
      sign_in: "サインイン", sign_out: "サインアウト", signed_in_as: "{name}（{role}）としてサインイン中",
      role_moderator: "モデレーター", role_admin: "管理者", role_user: "ユーザー", sections: "セクション",
      queue: "キュー", bans: "禁止", locks: "ロック中のスレッド", search: "検索", back: "戻る",
      token_label: "モデレーターまたは管理者のアクセストークン", token_help: "サイトが Threadline 用に発行したトークンを貼り付けてください。このタブにのみ保存されます。",
      e_token: "有効なトークンではありません。", expired: "セッションの有効期限が切れました。もう一度サインインしてください。",
      not_staff: "{name} はモデレーターでも管理者でもありません。コンソールはサイトのモデレーターと管理者専用です。",
      load_more: "さらに読み込む", loading: "読み込み中…", history: "履歴", activity: "投稿者の活動",
      history_of: "{name} のコメントの履歴", activity_of: "{name} の活動", anonymous: "匿名",
      status_PENDING: "承認待ち", status_ACTIVE: "公開", status_REJECTED: "却下", status_DELETED: "削除済み",
      reason: "理由", expires: "期限", expires_help: "空欄：解除するまで。", until_lifted: "解除まで",
      show: "表示", all: "すべて", pending: "承認待ち", reported: "報告あり",
      bulk: "選択したコメント", select_all: "このページをすべて選択", selected: { other: "{n} 件選択" },
      bulk_reason: "却下の理由", approve_selected: "選択を承認", reject_selected: "選択を却下",
      select_comment: "{name} のコメントを選択", approve: "承認", reject: "却下", reject_reason: "却下の理由（任意）",
      confirm_reject: "コメントを却下", cancel: "キャンセル", reports: { other: "{n} 件の報告" },
      report_reasons: "報告の理由", no_reason: "理由なし", approved: "承認しました", rejected: "却下しました",
      failed: "失敗：{error}", bulk_done: "完了：{ok}。失敗：{failed}。", queue_empty: "モデレーター待ちのものはありません。",
      lift: "禁止を解除", lift_on: "{user} の禁止を解除", lifted_ok: "{user} の禁止を解除しました。", add_ban: "ユーザーを禁止",
      user_id: "ユーザー ID", ban: "禁止", banned_ok: "{user} を禁止しました。", banned_now: "禁止中のユーザー", user: "ユーザー",
      banned_by: "禁止した人", since: "開始", actions: "操作", no_bans: "禁止中のユーザーはいません。",
      lock_thread: "スレッドをロック", entity_type: "スレッドの種類", entity_id: "スレッド ID", lock: "ロック", locked_ok: "{thread} をロックしました。",
      locked_now: "ロック中のスレッド", thread: "スレッド", locked_by: "ロックした人", unlock: "ロック解除", unlock_named: "{thread} のロックを解除",
      unlocked_ok: "{thread} のロックを解除しました。", no_locks: "ロック中のスレッドはありません。",
      search_label: "すべてのコメントを検索", search_button: "検索", results_label: "検索結果",
      matches: { other: "{n} 件" }, no_results: "一致するコメントはありません。",
      history_title: "コメントの履歴", timeline: "経緯", by: "{name} による", no_actions: "まだありません。",
      activity_title: "{user} の活動", ban_status: "禁止", banned_until: "禁止期限", not_banned: "禁止されていません。",
      their_comments: "コメント", actions_on: "このユーザーへの操作", no_comments: "コメントはありません。",
      ev_CommentCreated: "投稿", ev_CommentUpdated: "編集", ev_CommentDeleted: "削除", ev_CommentHardDeleted: "完全削除",
      ev_CommentApproved: "承認", ev_CommentRejected: "却下", ev_CommentReported: "報告", ev_CommentPinned: "固定",
      ev_CommentUnpinned: "固定解除", ev_CommentAnonymized: "匿名化", ev_UserBanned: "禁止", ev_UserUnbanned: "禁止解除",
      ev_CommentLiked: "いいね", ev_CommentUnliked: "いいね取り消し",
      e_denied: "その操作は許可されていません。", e_gone: "そのコメントはもう存在しません。",
      e_network: "サーバーに接続できません。もう一度お試しください。", e_rate: "操作が速すぎます。少し待ってください。",
      e_generic: "問題が発生しました（{detail}）。",
    },
    ar: {
      banned_forever: "محظور حتى رفع الحظر", added: "أُضيف", removed: "حُذف",
      title: "لوحة الإشراف", language: "اللغة", theme: "المظهر", theme_auto: "تلقائي", theme_light: "فاتح", theme_dark: "داكن",
      sign_in: "تسجيل الدخول", sign_out: "تسجيل الخروج", signed_in_as: "مسجّل الدخول باسم {name} ({role})",
      role_moderator: "مشرف", role_admin: "مدير", role_user: "مستخدم", sections: "الأقسام",
      queue: "قائمة الانتظار", bans: "الحظر", locks: "النقاشات المقفلة", search: "بحث", back: "رجوع",
      token_label: "رمز وصول مشرف أو مدير", token_help: "الصق الرمز الذي يصدره موقعك لـ Threadline. يُحفظ في هذا التبويب فقط.",
      e_token: "هذا ليس رمزًا صالحًا.", expired: "انتهت جلستك. سجّل الدخول مجددًا.",
      not_staff: "{name} ليس مشرفًا ولا مديرًا: اللوحة مخصصة لمشرفي الموقع ومديريه فقط.",
      load_more: "تحميل المزيد", loading: "جارٍ التحميل…", history: "السجل", activity: "نشاط الكاتب",
      history_of: "سجل تعليق {name}", activity_of: "نشاط {name}", anonymous: "مجهول",
      status_PENDING: "بانتظار الموافقة", status_ACTIVE: "منشور", status_REJECTED: "مرفوض", status_DELETED: "محذوف",
      reason: "السبب", expires: "ينتهي في", expires_help: "اتركه فارغًا: حتى رفع الحظر.", until_lifted: "حتى رفع الحظر",
      show: "عرض", all: "الكل", pending: "بانتظار الموافقة", reported: "مُبلَّغ عنها",
      bulk: "التعليقات المحددة", select_all: "تحديد الكل في هذه الصفحة", selected: { zero: "{n} محدد", one: "{n} محدد", two: "{n} محددان", few: "{n} محددة", many: "{n} محددًا", other: "{n} محدد" },
      bulk_reason: "سبب الرفض", approve_selected: "الموافقة على المحدد", reject_selected: "رفض المحدد",
      select_comment: "تحديد تعليق {name}", approve: "موافقة", reject: "رفض", reject_reason: "سبب الرفض (اختياري)",
      confirm_reject: "رفض التعليق", cancel: "إلغاء", reports: { zero: "{n} بلاغ", one: "بلاغ واحد", two: "بلاغان", few: "{n} بلاغات", many: "{n} بلاغًا", other: "{n} بلاغ" },
      report_reasons: "أسباب البلاغات", no_reason: "بلا سبب", approved: "تمت الموافقة", rejected: "تم الرفض",
      failed: "فشل: {error}", bulk_done: "تم: {ok}. فشل: {failed}.", queue_empty: "لا شيء بانتظار مشرف.",
      lift: "رفع الحظر", lift_on: "رفع الحظر عن {user}", lifted_ok: "تم رفع الحظر عن {user}.", add_ban: "حظر مستخدم",
      user_id: "معرّف المستخدم", ban: "حظر", banned_ok: "تم حظر {user}.", banned_now: "المستخدمون المحظورون", user: "المستخدم",
      banned_by: "حظره", since: "منذ", actions: "إجراءات", no_bans: "لا أحد محظور.",
      lock_thread: "قفل نقاش", entity_type: "نوع النقاش", entity_id: "معرّف النقاش", lock: "قفل", locked_ok: "تم قفل {thread}.",
      locked_now: "النقاشات المقفلة", thread: "النقاش", locked_by: "قفله", unlock: "فتح", unlock_named: "فتح {thread}",
      unlocked_ok: "تم فتح {thread}.", no_locks: "لا نقاش مقفل.",
      search_label: "البحث في كل التعليقات", search_button: "بحث", results_label: "نتائج البحث",
      matches: { zero: "لا نتائج", one: "نتيجة واحدة", two: "نتيجتان", few: "{n} نتائج", many: "{n} نتيجة", other: "{n} نتيجة" }, no_results: "لا تعليق مطابق.",
      history_title: "سجل تعليق", timeline: "ما جرى له", by: "بواسطة {name}", no_actions: "لا شيء بعد.",
      activity_title: "نشاط {user}", ban_status: "الحظر", banned_until: "محظور حتى", not_banned: "غير محظور.",
      their_comments: "تعليقاته", actions_on: "الإجراءات المتخذة بحقه", no_comments: "لا تعليقات.",
      ev_CommentCreated: "كُتب", ev_CommentUpdated: "عُدّل", ev_CommentDeleted: "حُذف", ev_CommentHardDeleted: "مُحي",
      ev_CommentApproved: "تمت الموافقة", ev_CommentRejected: "رُفض", ev_CommentReported: "أُبلغ عنه", ev_CommentPinned: "ثُبّت",
      ev_CommentUnpinned: "أُلغي التثبيت", ev_CommentAnonymized: "أُخفيت الهوية", ev_UserBanned: "حُظر", ev_UserUnbanned: "رُفع الحظر",
      ev_CommentLiked: "أُعجب به", ev_CommentUnliked: "سُحب الإعجاب",
      e_denied: "غير مسموح لك بذلك.", e_gone: "هذا التعليق لم يعد موجودًا.",
      e_network: "تعذّر الوصول إلى الخادم. حاول مجددًا.", e_rate: "سريع جدًا. انتظر قليلًا.",
      e_generic: "حدث خطأ ما ({detail}).",
    },
  };
  const RTL = new Set(["ar"]);
  const LANGS = { en: "English", de: "Deutsch", fr: "Français", es: "Español", ru: "Русский", zh: "中文", ja: "日本語", ar: "العربية" };

  function chooseLanguage(wanted) {
    for (const tag of wanted) {
      const base = String(tag || "").toLowerCase().split(/[-_]/)[0];
      if (M[base]) return base;
    }
    return "en";
  }
  let stored = null;
  try { stored = localStorage.getItem(LANG_KEY); } catch { stored = null; }
  // The console's own page says lang="en" before the console chose: only a host's page speaks for itself.
  let lang = chooseLanguage([stored, cfg.lang, STANDALONE ? "" : document.documentElement.lang, ...(navigator.languages || [navigator.language])]);
  let plurals, dates;
  function setLanguage(chosen) {
    lang = chosen;
    plurals = new Intl.PluralRules(lang);
    dates = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
    if (STANDALONE) {
      document.documentElement.lang = lang;
      document.documentElement.dir = RTL.has(lang) ? "rtl" : "ltr";
      document.title = t("title");
    }
  }
  function t(key, vars = {}) {
    let text = M[lang][key] ?? M.en[key] ?? key;
    if (typeof text === "object") text = text[plurals.select(vars.n ?? 0)] ?? text.other;
    const all = { ...vars, n: vars.n === undefined ? "" : new Intl.NumberFormat(lang).format(vars.n) };
    return text.replace(/\{(\w+)\}/g, (_, k) => String(all[k] ?? ""));
  }
  const when = (iso) => (iso ? dates.format(new Date(iso)) : "");

  /* ---------- elements (text only) ---------- */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
    return el;
  }
  const button = (text, onclick, attrs = {}) => h("button", { type: "button", text, onclick, ...attrs });
  let ids = 0;
  const uid = (prefix) => `tc-${prefix}-${++ids}`;
  function field(label, input, help) {
    input.id = input.id || uid("f");
    const helpEl = help ? h("span", { class: "help", id: input.id + "-help", text: help }) : null;
    if (helpEl) input.setAttribute("aria-describedby", helpEl.id);
    return h("div", { class: "field" }, h("label", { for: input.id, text: label }), input, helpEl);
  }
  function time(iso) {
    return h("bdi", {}, h("time", { datetime: iso, text: when(iso) }));
  }
  /** A search snippet: HTML-escaped text with <mark> around matches, rebuilt as text and <mark>s. */
  function snippet(escaped) {
    const decode = (s) => s.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (_, e) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#x27": "'", "#39": "'" })[e]);
    return escaped.split(/<\/?mark>/).map((part, i) => (i % 2 ? h("mark", { text: decode(part) }) : decode(part)));
  }

  /* ---------- identity: a host's token callback, data-token, or a token pasted into the form ---------- */
  let tokenPromise = null;
  function pasted() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
  }
  function keep(jwt) {
    try { if (jwt) sessionStorage.setItem(TOKEN_KEY, jwt); else sessionStorage.removeItem(TOKEN_KEY); } catch { /* private mode */ }
  }
  const hostSupplies = () => typeof host().token === "function";
  async function token(renew = false) {
    if (hostSupplies()) {
      if (!tokenPromise || renew) tokenPromise = Promise.resolve().then(() => host().token()).catch(() => null);
      return (await tokenPromise) || null;
    }
    return cfg.token || pasted();
  }
  function claims(jwt) {
    try {
      const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const json = new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0)));
      const found = JSON.parse(json);
      return found && typeof found === "object" ? found : null;
    } catch { return null; }
  }
  // The demo (or any link) hands a token over in the fragment, which never reaches a server log.
  if (STANDALONE && location.hash.startsWith("#token=")) {
    keep(decodeURIComponent(location.hash.slice(7)));
    history.replaceState(null, "", location.pathname + location.search);
  }

  /* ---------- the API (problem+json errors become ApiError with the stable code) ---------- */
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.detail) || `HTTP ${status}`);
      this.status = status;
      this.code = (body && body.code) || (status ? "http_" + status : "network");
    }
  }
  let me = null; // the signed-in moderator's claims
  async function call(method, path, { body, query, key } = {}) {
    const url = new URL(API + path);
    for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
    // After a command the list is read at its position: a read that waited and still answers
    // stale (a loaded projector) is asked again, so a lifted ban does not come back on screen.
    let staleReads = query && query.min_position ? 5 : 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      const jwt = await token(attempt > 0 && hostSupplies());
      const headers = { "X-Tenant-ID": tenant() };
      if (jwt) headers.Authorization = "Bearer " + jwt;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (key) headers["Idempotency-Key"] = key;
      let response;
      try {
        response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit" });
      } catch {
        if (key && attempt === 0) continue; // the same key again: a retried verdict applies once
        throw new ApiError(0, { code: "network" });
      }
      const text = await response.text();
      let parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
      if (response.ok && staleReads-- > 0 && response.headers.get("X-Threadline-Consistency") === "stale") { attempt--; continue; }
      if (response.ok) return parsed;
      const error = new ApiError(response.status, parsed);
      if (response.status === 401) {
        if (hostSupplies() && attempt === 0) continue; // ask the host page for a fresh token, once
        signedOut(error.code === "token_expired" ? "expired" : "e_token");
      }
      throw error;
    }
    throw new ApiError(401, { code: "token_expired" });
  }
  function errorText(error) {
    const known = {
      permission_denied: "e_denied", comment_not_found: "e_gone", comment_deleted: "e_gone", network: "e_network",
      rate_limited: "e_rate", token_expired: "expired", invalid_token: "e_token", authentication_required: "expired",
    };
    return known[error.code] ? t(known[error.code]) : t("e_generic", { detail: error.message });
  }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }
  const tenant = () => (me && me.tid) || cfg.tenant || "";
  const enc = encodeURIComponent;

  /* ---------- the shell ---------- */
  const target = document.getElementById(cfg.target || "threadline-console");
  if (!target) return;
  const shadow = target.shadowRoot || target.attachShadow({ mode: "open" });
  let theme = ["light", "dark"].includes(cfg.theme) ? cfg.theme : "auto";
  const root = h("div", { class: "tc", hidden: true, "data-standalone": STANDALONE || null });
  const loaded = () => { root.hidden = false; };
  setTimeout(loaded, 3000); // shown unstyled rather than never, should the stylesheet not answer
  shadow.replaceChildren(h("link", { rel: "stylesheet", href: CSS_URL, onload: loaded, onerror: loaded }), root);
  const live = h("div", { class: "sr", role: "status", "aria-live": "polite" });
  function say(text) {
    live.textContent = "";
    setTimeout(() => { live.textContent = text; }, 50);
  }
  let current = { view: "queue", arg: null };
  const trail = [];
  let main = null;

  function shell() {
    root.setAttribute("lang", lang);
    root.setAttribute("dir", RTL.has(lang) ? "rtl" : "ltr");
    root.setAttribute("data-theme", theme);
    const langSelect = h("select", { onchange: () => { try { localStorage.setItem(LANG_KEY, langSelect.value); } catch { /* */ } setLanguage(langSelect.value); render(true); } },
      Object.entries(LANGS).map(([code, name]) => h("option", { value: code, lang: code, text: name, selected: code === lang })));
    const themeSelect = h("select", { onchange: () => { theme = themeSelect.value; root.setAttribute("data-theme", theme); } },
      ["auto", "light", "dark"].map((v) => h("option", { value: v, text: t("theme_" + v), selected: v === theme })));
    const controls = h("div", { class: "controls" }, field(t("language"), langSelect), field(t("theme"), themeSelect));
    if (me && !hostSupplies() && !cfg.token) controls.append(button(t("sign_out"), () => { keep(null); me = null; render(true); }, { class: "quiet" }));
    const who = me ? h("p", { class: "who", text: t("signed_in_as", { name: me.name || me.sub, role: t("role_" + me.role) }) }) : null;
    // In a host's page its own header and main are the page's landmarks: the console is a region.
    if (!STANDALONE) { root.setAttribute("role", "region"); root.setAttribute("aria-label", t("title")); }
    const header = h(STANDALONE ? "header" : "div", { class: "bar" }, h("h1", { text: t("title") }), who, controls);
    main = h(STANDALONE ? "main" : "div", { class: "view" });
    const parts = [header];
    if (me && staff(me)) {
      const nav = h("nav", { "aria-label": t("sections") }, h("ul", {}, ["queue", "bans", "locks", "search"].map((v) =>
        h("li", {}, button(t(v), () => go(v, null), { "aria-current": current.view === v ? "page" : null })))));
      parts.push(nav);
    }
    root.replaceChildren(...parts, main, live);
  }
  const staff = (c) => c.role === "moderator" || c.role === "admin";

  async function render(focus) {
    const jwt = await token();
    me = jwt ? claims(jwt) : null;
    shell();
    if (!jwt || !me) return signInForm(jwt && !me ? "e_token" : null);
    if (!staff(me)) return notStaff();
    await VIEWS[current.view](current.arg, focus);
    root.setAttribute("data-ready", "");
  }
  function go(view, arg, remember = true) {
    if (remember && (view === "comment" || view === "user")) trail.push(current);
    else if (remember) trail.length = 0;
    current = { view, arg };
    render(true);
  }
  function heading(text, focus) {
    const el = h("h2", { tabindex: "-1", text });
    main.append(el);
    if (focus) queueMicrotask(() => el.focus());
    return el;
  }
  function backButton() {
    if (!trail.length) return null;
    return button(t("back"), () => { const previous = trail.pop(); current = previous; render(true); }, { class: "quiet back" });
  }
  function signedOut(reason) {
    if (hostSupplies() || cfg.token) return;
    keep(null);
    me = null;
    shell();
    signInForm(reason);
  }

  /* ---------- sign-in ---------- */
  function signInForm(reason) {
    const input = h("textarea", { rows: 3, required: true, autocomplete: "off", spellcheck: "false" });
    const error = h("p", { class: "error", role: "alert", text: reason ? t(reason) : "" });
    const form = h("form", { class: "sign-in", onsubmit: (e) => {
      e.preventDefault();
      const value = input.value.trim();
      const found = claims(value);
      if (!found) { error.textContent = t("e_token"); input.focus(); return; }
      keep(value);
      current = { view: "queue", arg: null };
      render(true);
    } }, field(t("token_label"), input, t("token_help")), h("button", { type: "submit", class: "primary", text: t("sign_in") }), error);
    if (hostSupplies() || cfg.token) form.replaceChildren(error);
    heading(t("sign_in"), false);
    main.append(form);
    root.setAttribute("data-ready", "");
    if (reason) queueMicrotask(() => input.focus());
  }
  function notStaff() {
    heading(t("sign_in"), false);
    main.append(h("p", { class: "error refused", role: "alert", text: t("not_staff", { name: me.name || me.sub }) }));
    if (!hostSupplies() && !cfg.token) main.append(button(t("sign_out"), () => { keep(null); render(true); }));
    root.setAttribute("data-ready", "");
  }

  /* ---------- shared pieces ---------- */
  /** A paged list: `fetchPage(cursor)` answers {data, meta}; `item(row)` renders one. */
  function paged(list, fetchPage, item, empty) {
    const more = button(t("load_more"), () => next(true), { class: "more", hidden: true });
    const note = h("p", { class: "empty", hidden: true, text: empty });
    let cursor = null;
    async function next(moveFocus) {
      more.disabled = true;
      list.setAttribute("aria-busy", "true");
      try {
        const page = await fetchPage(cursor);
        const items = page.data.map(item);
        list.append(...items);
        cursor = page.meta.next_cursor;
        more.hidden = !cursor;
        note.hidden = list.children.length > 0;
        if (moveFocus && items[0]) (items[0].querySelector("input, button") || items[0]).focus();
        return page;
      } catch (error) {
        note.hidden = false;
        note.textContent = errorText(error);
        throw error;
      } finally { more.disabled = false; list.removeAttribute("aria-busy"); }
    }
    return { more, note, next };
  }
  const thread = (type, id) => `${type} / ${id}`;
  function authorLinks(comment) {
    return [
      button(t("history"), () => go("comment", comment.id), { class: "link", "aria-label": t("history_of", { name: comment.author_name || t("anonymous") }) }),
      comment.author_id ? button(t("activity"), () => go("user", comment.author_id), { class: "link", "aria-label": t("activity_of", { name: comment.author_name || comment.author_id }) }) : null,
    ];
  }
  function commentMeta(c) {
    return h("p", { class: "meta" },
      h("bdi", {}, h("strong", { text: c.author_name || c.author_id || t("anonymous") })), " · ",
      h("bdi", { text: thread(c.entity_type, c.entity_id) }), " · ", time(c.created_at), " · ",
      h("span", { class: "badge s-" + c.status.toLowerCase(), text: t("status_" + c.status) }));
  }
  function banFields() {
    const reason = h("input", { type: "text", maxlength: 1000 });
    const expires = h("input", { type: "datetime-local" });
    const value = () => ({ reason: reason.value.trim() || null, expires_at: expires.value ? new Date(expires.value).toISOString() : null });
    return { reason, expires, value, fields: [field(t("reason"), reason), field(t("expires"), expires, t("expires_help"))] };
  }
  const until = (iso) => (iso ? time(iso) : t("until_lifted"));

  /* ---------- the queue ---------- */
  async function queueView(_arg, focus) {
    heading(t("queue"), focus);
    let kind = current.kind || "";
    const kindSelect = h("select", { onchange: () => { current.kind = kindSelect.value; render(false); } },
      [["", "all"], ["pending", "pending"], ["reported", "reported"]].map(([v, k]) => h("option", { value: v, text: t(k), selected: v === kind })));
    const selected = new Set();
    const rows = new Map(); // id -> {li, box, result, done}
    const count = h("span", { class: "count", "aria-live": "polite" });
    const all = h("input", { type: "checkbox", onchange: () => {
      for (const [id, row] of rows) if (!row.done) { row.box.checked = all.checked; mark(id, all.checked); }
    } });
    const bulkReason = h("input", { type: "text", maxlength: 1000 });
    const approveSel = button(t("approve_selected"), () => bulk("approve"), { class: "primary" });
    const rejectSel = button(t("reject_selected"), () => bulk("reject"), { class: "danger" });
    function mark(id, on) {
      if (on) selected.add(id); else selected.delete(id);
      count.textContent = t("selected", { n: selected.size });
      approveSel.disabled = rejectSel.disabled = selected.size === 0;
    }
    const list = h("ul", { class: "queue", "aria-label": t("queue") });
    const filter = h("div", { class: "toolbar" }, field(t("show"), kindSelect));
    const bulkBar = h("div", { class: "toolbar bulk", role: "group", "aria-label": t("bulk") },
      h("div", { class: "picked" }, h("label", { class: "check" }, all, " ", t("select_all")), count),
      field(t("bulk_reason"), bulkReason), approveSel, rejectSel);
    const summary = h("p", { class: "summary", tabindex: "-1" });
    main.append(filter, bulkBar, summary, list);
    mark(null, false);

    function item(entry) {
      const c = entry.comment;
      const box = h("input", { type: "checkbox", "aria-label": t("select_comment", { name: c.author_name || c.author_id || t("anonymous") }), onchange: () => mark(c.id, box.checked) });
      const result = h("p", { class: "result" });
      const reasonInput = h("input", { type: "text", maxlength: 1000 });
      const closeReject = () => { rejectForm.hidden = true; rejectBtn.focus(); };
      const rejectForm = h("form", { class: "reject", hidden: true, onsubmit: (e) => { e.preventDefault(); act(c.id, "reject", reasonInput.value.trim() || null, true); },
        onkeydown: (e) => { if (e.key === "Escape") closeReject(); } },
        field(t("reject_reason"), reasonInput), h("button", { type: "submit", class: "danger", text: t("confirm_reject") }),
        button(t("cancel"), closeReject));
      const approveBtn = button(t("approve"), () => act(c.id, "approve", null, true), { class: "primary approve" });
      const rejectBtn = button(t("reject"), () => { rejectForm.hidden = false; reasonInput.focus(); }, { class: "danger reject-open" });
      const badges = [];
      if (entry.report_count) badges.push(h("span", { class: "badge reported", text: t("reports", { n: entry.report_count }) }));
      const reasons = entry.reports && entry.reports.length ? h("ul", { class: "reasons", "aria-label": t("report_reasons") }, entry.reports.map((r) =>
        h("li", {}, h("q", { text: r.reason || t("no_reason") }), " — ", r.user_id, " · ", time(r.reported_at)))) : null;
      const li = h("li", { class: "item", "data-id": c.id },
        h("div", { class: "head" }, box, commentMeta(c), ...badges),
        h("p", { class: "content", text: c.content || "" }), reasons,
        h("div", { class: "actions" }, approveBtn, rejectBtn, ...authorLinks(c)), rejectForm, result);
      rows.set(c.id, { li, box, result, rejectForm, done: false });
      return li;
    }
    function settle(id, verdict, error) {
      const row = rows.get(id);
      row.result.textContent = error ? t("failed", { error: errorText(error) }) : t(verdict === "approve" ? "approved" : "rejected");
      row.result.className = "result " + (error ? "bad" : "ok");
      if (error) return;
      row.done = true;
      row.li.classList.add("done");
      row.box.checked = false;
      row.box.disabled = true;
      row.rejectForm.hidden = true;
      for (const b of row.li.querySelectorAll(".actions button.primary, .actions button.danger")) b.remove();
      mark(id, false);
    }
    function nextFocus(afterId) {
      const order = [...rows.keys()];
      const later = order.slice(order.indexOf(afterId) + 1).concat(order);
      const target = later.map((id) => rows.get(id)).find((row) => !row.done);
      (target ? target.li.querySelector("button.approve") : summary).focus();
    }
    async function send(id, verdict, reason, key) {
      const body = verdict === "reject" ? { reason } : undefined;
      return call("POST", `/v1/comments/${enc(id)}/${verdict}`, { body, key });
    }
    async function act(id, verdict, reason, moveFocus) {
      try {
        await send(id, verdict, reason, uuid());
        settle(id, verdict, null);
        say(t(verdict === "approve" ? "approved" : "rejected"));
        if (moveFocus) nextFocus(id);
      } catch (error) {
        settle(id, verdict, error);
        say(t("failed", { error: errorText(error) }));
      }
    }
    async function bulk(verdict) {
      const chosen = [...selected];
      approveSel.disabled = rejectSel.disabled = true;
      const reason = bulkReason.value.trim() || null;
      const failures = [];
      let i = 0;
      async function worker() {
        while (i < chosen.length) {
          const id = chosen[i++];
          try { await send(id, verdict, reason, uuid()); settle(id, verdict, null); }
          catch (error) { settle(id, verdict, error); failures.push(id); }
        }
      }
      await Promise.all([worker(), worker(), worker(), worker()]);
      const text = t("bulk_done", { ok: chosen.length - failures.length, failed: failures.length });
      summary.textContent = text;
      say(text);
      mark(null, false);
      all.checked = false;
      const firstFailed = chosen.find((id) => failures.includes(id));
      (firstFailed ? rows.get(firstFailed).box : summary).focus();
    }
    const pager = paged(list, (cursor) => call("GET", "/v1/moderation/queue", { query: { kind, cursor, limit: PAGE } }), item, t("queue_empty"));
    main.append(pager.note, pager.more);
    await pager.next(false).catch(() => null);
  }

  /* ---------- bans ---------- */
  function banRow(ban, reload) {
    return h("tr", { "data-user": ban.user_id },
      h("td", {}, button(ban.user_id, () => go("user", ban.user_id), { class: "link" })), h("td", { text: ban.reason || "" }),
      h("td", {}, until(ban.expires_at)), h("td", { text: ban.banned_by }), h("td", {}, time(ban.banned_at)),
      h("td", {}, button(t("lift"), () => lift(ban.user_id, reload), { "aria-label": t("lift_on", { user: ban.user_id }) })));
  }
  async function lift(user, after) {
    try {
      const done = await call("DELETE", `/v1/moderation/bans/${enc(user)}`);
      say(t("lifted_ok", { user }));
      after(done.position);
    } catch (error) { say(errorText(error)); }
  }
  function table(caption, columns) {
    const body = h("tbody");
    const el = h("table", {}, h("caption", { text: caption }), h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", text: c })))), body);
    return { el, body };
  }
  async function bansView(_arg, focus, position) {
    heading(t("bans"), focus);
    const user = h("input", { type: "text", required: true, maxlength: 200, autocomplete: "off" });
    const ban = banFields();
    const form = h("form", { class: "inline", "aria-label": t("add_ban"), onsubmit: async (e) => {
      e.preventDefault();
      try {
        const done = await call("PUT", `/v1/moderation/bans/${enc(user.value.trim())}`, { body: ban.value() });
        say(t("banned_ok", { user: user.value.trim() }));
        reload(done.position);
      } catch (error) { say(errorText(error)); }
    } }, h("h3", { text: t("add_ban") }), field(t("user_id"), user), ...ban.fields, h("button", { type: "submit", class: "danger", text: t("ban") }));
    const { el, body } = table(t("banned_now"), [t("user"), t("reason"), t("expires"), t("banned_by"), t("since"), t("actions")]);
    const reload = (pos) => { main.replaceChildren(); bansView(null, false, pos).then(() => main.querySelector("h2").focus()); };
    const pager = paged(body, (cursor) => call("GET", "/v1/moderation/bans", { query: { cursor, min_position: position } }), (b) => banRow(b, reload), t("no_bans"));
    main.append(form, el, pager.note, pager.more);
    await pager.next(false).catch(() => null);
  }

  /* ---------- locked threads ---------- */
  async function locksView(_arg, focus, position) {
    heading(t("locks"), focus);
    const type = h("input", { type: "text", required: true, maxlength: 64, value: "post" });
    const id = h("input", { type: "text", required: true, maxlength: 256 });
    const reason = h("input", { type: "text", maxlength: 1000 });
    const path = (et, ei) => `/v1/entities/${enc(et)}/${enc(ei)}/lock`;
    const reload = (pos) => { main.replaceChildren(); locksView(null, false, pos).then(() => main.querySelector("h2").focus()); };
    const form = h("form", { class: "inline", "aria-label": t("lock_thread"), onsubmit: async (e) => {
      e.preventDefault();
      try {
        const done = await call("PUT", path(type.value.trim(), id.value.trim()), { body: { reason: reason.value.trim() || null } });
        say(t("locked_ok", { thread: thread(type.value.trim(), id.value.trim()) }));
        reload(done.position);
      } catch (error) { say(errorText(error)); }
    } }, h("h3", { text: t("lock_thread") }), field(t("entity_type"), type), field(t("entity_id"), id), field(t("reason"), reason),
      h("button", { type: "submit", class: "danger", text: t("lock") }));
    const { el, body } = table(t("locked_now"), [t("thread"), t("reason"), t("locked_by"), t("since"), t("actions")]);
    const row = (lock) => {
      const name = thread(lock.entity_type, lock.entity_id);
      return h("tr", { "data-thread": name }, h("td", { text: name }), h("td", { text: lock.reason || "" }), h("td", { text: lock.locked_by || "" }),
        h("td", {}, time(lock.locked_at)), h("td", {}, button(t("unlock"), async () => {
          try {
            const done = await call("DELETE", path(lock.entity_type, lock.entity_id));
            say(t("unlocked_ok", { thread: name }));
            reload(done.position);
          } catch (error) { say(errorText(error)); }
        }, { "aria-label": t("unlock_named", { thread: name }) })));
    };
    const pager = paged(body, (cursor) => call("GET", "/v1/moderation/locks", { query: { cursor, min_position: position } }), row, t("no_locks"));
    main.append(form, el, pager.note, pager.more);
    await pager.next(false).catch(() => null);
  }

  /* ---------- search ---------- */
  async function searchView(arg, focus) {
    heading(t("search"), focus);
    const q = h("input", { type: "search", required: true, maxlength: 500, value: arg || "" });
    const results = h("ol", { class: "results", "aria-label": t("results_label") });
    const total = h("p", { class: "summary" });
    const form = h("form", { role: "search", class: "inline", onsubmit: (e) => {
      e.preventDefault();
      current.arg = q.value.trim();
      run(current.arg);
    } }, field(t("search_label"), q), h("button", { type: "submit", class: "primary", text: t("search_button") }));
    main.append(form, total, results);
    async function run(text) {
      results.replaceChildren();
      total.textContent = t("loading");
      try {
        const page = await call("GET", "/v1/search", { query: { q: text, limit: 50 } });
        results.append(...page.data.map((hit) => h("li", { class: "item", "data-id": hit.id }, commentMeta(hit),
          h("p", { class: "content" }, snippet(hit.snippet || "")), h("div", { class: "actions" }, authorLinks(hit)))));
        total.textContent = page.data.length ? t("matches", { n: page.meta.total }) : t("no_results");
        say(total.textContent);
      } catch (error) { total.textContent = errorText(error); say(total.textContent); }
    }
    if (arg) await run(arg);
    else if (focus) queueMicrotask(() => q.focus());
  }

  /* ---------- a comment's full history ---------- */
  function diff(parts) {
    return h("p", { class: "diff" }, parts.map((p) => (p.op === "insert" ? h("ins", { text: p.text, "data-sr": t("added") }) : p.op === "delete" ? h("del", { text: p.text, "data-sr": t("removed") }) : p.text)));
  }
  async function commentView(id, focus) {
    const back = backButton();
    if (back) main.append(back);
    heading(t("history_title"), focus);
    const card = h("div", { class: "card" });
    const list = h("ol", { class: "timeline", "aria-label": t("timeline") });
    main.append(card, list);
    let first = true;
    const pager = paged(list, async (cursor) => {
      const page = await call("GET", `/v1/moderation/comments/${enc(id)}/timeline`, { query: { cursor, limit: 50 } });
      if (first) {
        first = false;
        const c = page.comment;
        card.append(commentMeta(c), h("p", { class: "content", text: c.content || "" }), h("div", { class: "actions" }, c.author_id ? button(t("activity"), () => go("user", c.author_id), { class: "link" }) : null));
      }
      return page;
    }, (ev) => h("li", { class: "event", "data-event": ev.event_type },
      h("p", { class: "meta" }, h("strong", { text: t("ev_" + ev.event_type) }), " · ",
        t("by", { name: ev.actor_id || "?" }), ev.actor_role ? ` (${t("role_" + ev.actor_role)})` : "", " · ", time(ev.at)),
      ev.reason ? h("p", { class: "reason" }, t("reason"), ": ", h("q", { text: ev.reason })) : null,
      ev.diff && ev.diff.length ? diff(ev.diff) : ev.content ? h("p", { class: "content", text: ev.content }) : null), t("no_actions"));
    main.append(pager.note, pager.more);
    await pager.next(false).catch(() => null);
  }

  /* ---------- a user's activity ---------- */
  async function userView(user, focus, position) {
    const back = backButton();
    if (back) main.append(back);
    heading(t("activity_title", { user }), focus);
    const banBox = h("section", { class: "card ban", "aria-label": t("ban_status") });
    const comments = h("ul", { class: "comments", "aria-label": t("their_comments") });
    const actions = h("ol", { class: "actions-list", "aria-label": t("actions_on") });
    const reload = (pos) => { main.replaceChildren(); userView(user, false, pos).then(() => main.querySelector("h2").focus()); };
    const showBan = (ban) => {
      if (ban) {
        banBox.append(h("p", { class: "banned" }, ban.expires_at ? [t("banned_until"), " ", time(ban.expires_at)] : t("banned_forever"), ban.reason ? ` — ${ban.reason}` : ""),
          button(t("lift"), () => lift(user, reload), { "aria-label": t("lift_on", { user }) }));
      } else {
        const fields = banFields();
        banBox.append(h("p", { text: t("not_banned") }), h("form", { class: "inline", onsubmit: async (e) => {
          e.preventDefault();
          try {
            const done = await call("PUT", `/v1/moderation/bans/${enc(user)}`, { body: fields.value() });
            say(t("banned_ok", { user }));
            reload(done.position);
          } catch (error) { say(errorText(error)); }
        } }, ...fields.fields, h("button", { type: "submit", class: "danger", text: t("ban") })));
      }
    };
    let first = true;
    const commentPager = paged(comments, async (cursor) => {
      const page = await call("GET", `/v1/moderation/users/${enc(user)}/comments`, { query: { cursor, limit: PAGE, min_position: position } });
      if (first) { first = false; showBan(page.ban); }
      return page;
    }, (c) => h("li", { class: "item", "data-id": c.id }, commentMeta(c), h("p", { class: "content", text: c.content || "" }),
      h("div", { class: "actions" }, button(t("history"), () => go("comment", c.id), { class: "link" }))), t("no_comments"));
    const actionPager = paged(actions, (cursor) => call("GET", `/v1/moderation/users/${enc(user)}/actions`, { query: { cursor, limit: PAGE, min_position: position } }),
      (a) => h("li", { class: "event", "data-event": a.event_type }, h("strong", { text: t("ev_" + a.event_type) }), " · ", t("by", { name: a.actor_id || "?" }), " · ", time(a.at),
        a.reason ? h("span", {}, " — ", h("q", { text: a.reason })) : null,
        a.comment_id ? h("span", {}, " ", button(t("history"), () => go("comment", a.comment_id), { class: "link" })) : null), t("no_actions"));
    main.append(banBox, h("h3", { text: t("their_comments") }), comments, commentPager.note, commentPager.more,
      h("h3", { text: t("actions_on") }), actions, actionPager.note, actionPager.more);
    await Promise.all([commentPager.next(false).catch(() => null), actionPager.next(false).catch(() => null)]);
  }

  const VIEWS = { queue: queueView, bans: bansView, locks: locksView, search: searchView, comment: commentView, user: userView };
  setLanguage(lang);
  render(false);
})();
