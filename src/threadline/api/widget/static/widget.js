/* Threadline comments widget: plain modern JavaScript, no framework, no build step.
   Mounted in a Shadow DOM (styles scoped both ways); the server's sanitized content_html is the
   only HTML ever inserted; every other text goes in as text. Loaded by embed.js. */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const cfg = script.dataset;
  let early = script.threadlineFirstPage || null; // the first page, asked for by embed.js
  const API = new URL(script.src).origin;
  const CSS_URL = new URL("widget.css", script.src).href;
  const TENANT = cfg.tenant || "";
  const ENTITY_TYPE = cfg.entityType || "post";
  const host = () => window.threadline || {};

  /* ---------- languages ---------- */
  const M = {
    en: {
      pin: "Pin", unpin: "Unpin", approve: "Approve", reject: "Reject", ban: "Ban author", lock: "Lock thread", unlock: "Unlock thread", banned_done: "Author banned.",
      history: "Edit history", close: "Close", before: "Before",
      comments: { one: "{n} comment", other: "{n} comments" }, sort: "Sort by", newest: "Newest",
      oldest: "Oldest", popular: "Most liked", load_more: "Load more comments",
      more_replies: { one: "Show {n} more reply", other: "Show {n} more replies" },
      new_comments: { one: "{n} new comment — show", other: "{n} new comments — show" },
      announce_new: { one: "{n} new comment", other: "{n} new comments" },
      likes: { one: "{n} like", other: "{n} likes" }, like: "Like", reply: "Reply", edit: "Edit",
      delete: "Delete", confirm_delete: "Really delete?", report: "Report", report_reason: "Why report this comment?",
      send_report: "Send report", reported: "Reported. Thank you.", cancel: "Cancel", post: "Post comment",
      post_reply: "Post reply", save: "Save", preview: "Preview", write: "Write",
      placeholder: "Write a comment… Markdown works.", sign_in: "Sign in to comment", edited: "edited",
      pinned: "Pinned", deleted: "This comment was deleted.", pending: "Awaiting approval",
      locked: "This thread is locked: no new comments.", loading: "Loading comments…",
      empty: "No comments yet. Be the first!", posted: "Your comment was posted.",
      posted_pending: "Your comment was sent and awaits a moderator's approval.", your_comment: "Your comment",
      anonymous: "Anonymous", comment_by: "Comment by {name}", reply_to: "Reply to {name}",
      comments_label: "Comments", nothing_to_preview: "Nothing to preview yet.",
      e_rate_limited: "You are going too fast. Wait a moment and try again.",
      e_user_banned: "You have been banned from commenting here.",
      e_thread_locked: "This thread is locked: no new comments.",
      e_too_long: "Your comment is too long (at most 10,000 characters).",
      e_empty: "Write something first.", e_comment_pending: "That comment is still awaiting approval.",
      e_permission_denied: "You are not allowed to do that.", e_auth: "Please sign in again.",
      e_gone: "That comment no longer exists.", e_network: "The comment server could not be reached. Try again.",
      e_generic: "Something went wrong. Try again.",
    },
    de: {
      pin: "Anheften", unpin: "Lösen", approve: "Freigeben", reject: "Ablehnen", ban: "Autor sperren", lock: "Thread sperren", unlock: "Thread entsperren", banned_done: "Autor gesperrt.",
      history: "Bearbeitungsverlauf", close: "Schließen", before: "Vorher",
      comments: { one: "{n} Kommentar", other: "{n} Kommentare" }, sort: "Sortieren nach", newest: "Neueste",
      oldest: "Älteste", popular: "Beliebteste", load_more: "Weitere Kommentare laden",
      more_replies: { one: "{n} weitere Antwort zeigen", other: "{n} weitere Antworten zeigen" },
      new_comments: { one: "{n} neuer Kommentar — zeigen", other: "{n} neue Kommentare — zeigen" },
      announce_new: { one: "{n} neuer Kommentar", other: "{n} neue Kommentare" },
      likes: { one: "{n} Like", other: "{n} Likes" }, like: "Gefällt mir", reply: "Antworten",
      edit: "Bearbeiten", delete: "Löschen", confirm_delete: "Wirklich löschen?", report: "Melden",
      report_reason: "Warum meldest du diesen Kommentar?", send_report: "Meldung senden",
      reported: "Gemeldet. Danke.", cancel: "Abbrechen", post: "Kommentar senden", post_reply: "Antwort senden",
      save: "Speichern", preview: "Vorschau", write: "Schreiben",
      placeholder: "Schreib einen Kommentar… Markdown geht.", sign_in: "Zum Kommentieren anmelden",
      edited: "bearbeitet", pinned: "Angeheftet", deleted: "Dieser Kommentar wurde gelöscht.",
      pending: "Wartet auf Freigabe", locked: "Dieser Thread ist gesperrt: keine neuen Kommentare.",
      loading: "Kommentare werden geladen…", empty: "Noch keine Kommentare. Schreib den ersten!",
      posted: "Dein Kommentar wurde veröffentlicht.",
      posted_pending: "Dein Kommentar wurde gesendet und wartet auf Freigabe.", your_comment: "Dein Kommentar",
      anonymous: "Anonym", comment_by: "Kommentar von {name}", reply_to: "Antwort an {name}",
      comments_label: "Kommentare", nothing_to_preview: "Noch nichts für die Vorschau.",
      e_rate_limited: "Zu schnell. Warte einen Moment und versuch es noch einmal.",
      e_user_banned: "Du wurdest hier für Kommentare gesperrt.",
      e_thread_locked: "Dieser Thread ist gesperrt: keine neuen Kommentare.",
      e_too_long: "Dein Kommentar ist zu lang (höchstens 10.000 Zeichen).", e_empty: "Schreib zuerst etwas.",
      e_comment_pending: "Dieser Kommentar wartet noch auf Freigabe.",
      e_permission_denied: "Das darfst du nicht.", e_auth: "Bitte melde dich erneut an.",
      e_gone: "Diesen Kommentar gibt es nicht mehr.",
      e_network: "Der Kommentar-Server ist nicht erreichbar. Versuch es noch einmal.",
      e_generic: "Etwas ist schiefgegangen. Versuch es noch einmal.",
    },
    fr: {
      pin: "Épingler", unpin: "Désépingler", approve: "Approuver", reject: "Refuser", ban: "Bannir l'auteur", lock: "Verrouiller", unlock: "Déverrouiller", banned_done: "Auteur banni.",
      history: "Historique des modifications", close: "Fermer", before: "Avant",
      comments: { one: "{n} commentaire", other: "{n} commentaires" }, sort: "Trier par", newest: "Plus récents",
      oldest: "Plus anciens", popular: "Plus aimés", load_more: "Charger plus de commentaires",
      more_replies: { one: "Voir {n} autre réponse", other: "Voir {n} autres réponses" },
      new_comments: { one: "{n} nouveau commentaire — afficher", other: "{n} nouveaux commentaires — afficher" },
      announce_new: { one: "{n} nouveau commentaire", other: "{n} nouveaux commentaires" },
      likes: { one: "{n} j'aime", other: "{n} j'aime" }, like: "J'aime", reply: "Répondre", edit: "Modifier",
      delete: "Supprimer", confirm_delete: "Vraiment supprimer ?", report: "Signaler",
      report_reason: "Pourquoi signaler ce commentaire ?", send_report: "Envoyer le signalement",
      reported: "Signalé. Merci.", cancel: "Annuler", post: "Publier", post_reply: "Publier la réponse",
      save: "Enregistrer", preview: "Aperçu", write: "Écrire",
      placeholder: "Écrivez un commentaire… Markdown accepté.", sign_in: "Connectez-vous pour commenter",
      edited: "modifié", pinned: "Épinglé", deleted: "Ce commentaire a été supprimé.",
      pending: "En attente d'approbation", locked: "Cette discussion est verrouillée : plus de nouveaux commentaires.",
      loading: "Chargement des commentaires…", empty: "Aucun commentaire. Soyez le premier !",
      posted: "Votre commentaire a été publié.",
      posted_pending: "Votre commentaire a été envoyé et attend l'approbation d'un modérateur.",
      your_comment: "Votre commentaire", anonymous: "Anonyme", comment_by: "Commentaire de {name}",
      reply_to: "Répondre à {name}", comments_label: "Commentaires", nothing_to_preview: "Rien à prévisualiser.",
      e_rate_limited: "Trop rapide. Attendez un instant puis réessayez.",
      e_user_banned: "Vous avez été banni des commentaires ici.",
      e_thread_locked: "Cette discussion est verrouillée : plus de nouveaux commentaires.",
      e_too_long: "Votre commentaire est trop long (10 000 caractères au plus).",
      e_empty: "Écrivez d'abord quelque chose.", e_comment_pending: "Ce commentaire attend encore l'approbation.",
      e_permission_denied: "Vous n'avez pas le droit de faire cela.", e_auth: "Veuillez vous reconnecter.",
      e_gone: "Ce commentaire n'existe plus.", e_network: "Le serveur de commentaires est injoignable. Réessayez.",
      e_generic: "Une erreur s'est produite. Réessayez.",
    },
    es: {
      pin: "Fijar", unpin: "Desfijar", approve: "Aprobar", reject: "Rechazar", ban: "Bloquear autor", lock: "Bloquear hilo", unlock: "Desbloquear hilo", banned_done: "Autor bloqueado.",
      history: "Historial de ediciones", close: "Cerrar", before: "Antes",
      comments: { one: "{n} comentario", other: "{n} comentarios" }, sort: "Ordenar por", newest: "Más recientes",
      oldest: "Más antiguos", popular: "Más valorados", load_more: "Cargar más comentarios",
      more_replies: { one: "Ver {n} respuesta más", other: "Ver {n} respuestas más" },
      new_comments: { one: "{n} comentario nuevo — mostrar", other: "{n} comentarios nuevos — mostrar" },
      announce_new: { one: "{n} comentario nuevo", other: "{n} comentarios nuevos" },
      likes: { one: "{n} me gusta", other: "{n} me gusta" }, like: "Me gusta", reply: "Responder",
      edit: "Editar", delete: "Eliminar", confirm_delete: "¿Eliminar de verdad?", report: "Denunciar",
      report_reason: "¿Por qué denuncias este comentario?", send_report: "Enviar denuncia",
      reported: "Denunciado. Gracias.", cancel: "Cancelar", post: "Publicar", post_reply: "Publicar respuesta",
      save: "Guardar", preview: "Vista previa", write: "Escribir",
      placeholder: "Escribe un comentario… Admite Markdown.", sign_in: "Inicia sesión para comentar",
      edited: "editado", pinned: "Fijado", deleted: "Este comentario fue eliminado.",
      pending: "Pendiente de aprobación", locked: "Este hilo está bloqueado: no admite comentarios nuevos.",
      loading: "Cargando comentarios…", empty: "Aún no hay comentarios. ¡Sé el primero!",
      posted: "Tu comentario se ha publicado.",
      posted_pending: "Tu comentario se ha enviado y espera la aprobación de un moderador.",
      your_comment: "Tu comentario", anonymous: "Anónimo", comment_by: "Comentario de {name}",
      reply_to: "Responder a {name}", comments_label: "Comentarios", nothing_to_preview: "Nada que previsualizar.",
      e_rate_limited: "Vas demasiado rápido. Espera un momento y vuelve a intentarlo.",
      e_user_banned: "Se te ha prohibido comentar aquí.",
      e_thread_locked: "Este hilo está bloqueado: no admite comentarios nuevos.",
      e_too_long: "Tu comentario es demasiado largo (10.000 caracteres como máximo).",
      e_empty: "Escribe algo primero.", e_comment_pending: "Ese comentario aún espera aprobación.",
      e_permission_denied: "No puedes hacer eso.", e_auth: "Vuelve a iniciar sesión.",
      e_gone: "Ese comentario ya no existe.", e_network: "No se pudo contactar con el servidor. Inténtalo de nuevo.",
      e_generic: "Algo salió mal. Inténtalo de nuevo.",
    },
    ru: {
      pin: "Закрепить", unpin: "Открепить", approve: "Одобрить", reject: "Отклонить", ban: "Заблокировать автора", lock: "Закрыть обсуждение", unlock: "Открыть обсуждение", banned_done: "Автор заблокирован.",
      history: "История изменений", close: "Закрыть", before: "Было",
      comments: { one: "{n} комментарий", few: "{n} комментария", many: "{n} комментариев", other: "{n} комментария" },
      sort: "Сортировка", newest: "Сначала новые", oldest: "Сначала старые", popular: "Популярные",
      load_more: "Загрузить ещё комментарии",
      more_replies: { one: "Показать ещё {n} ответ", few: "Показать ещё {n} ответа", many: "Показать ещё {n} ответов", other: "Показать ещё {n} ответа" },
      new_comments: { one: "{n} новый комментарий — показать", few: "{n} новых комментария — показать", many: "{n} новых комментариев — показать", other: "{n} новых комментария — показать" },
      announce_new: { one: "{n} новый комментарий", few: "{n} новых комментария", many: "{n} новых комментариев", other: "{n} новых комментария" },
      likes: { one: "{n} отметка", few: "{n} отметки", many: "{n} отметок", other: "{n} отметки" },
      like: "Нравится", reply: "Ответить", edit: "Изменить", delete: "Удалить", confirm_delete: "Точно удалить?",
      report: "Пожаловаться", report_reason: "Почему вы жалуетесь на этот комментарий?",
      send_report: "Отправить жалобу", reported: "Жалоба отправлена. Спасибо.", cancel: "Отмена",
      post: "Отправить", post_reply: "Ответить", save: "Сохранить", preview: "Предпросмотр", write: "Текст",
      placeholder: "Напишите комментарий… Можно Markdown.", sign_in: "Войдите, чтобы комментировать",
      edited: "изменён", pinned: "Закреплён", deleted: "Комментарий удалён.", pending: "Ожидает проверки",
      locked: "Обсуждение закрыто: новые комментарии не принимаются.", loading: "Загрузка комментариев…",
      empty: "Комментариев пока нет. Будьте первым!", posted: "Ваш комментарий опубликован.",
      posted_pending: "Ваш комментарий отправлен и ждёт проверки модератором.", your_comment: "Ваш комментарий",
      anonymous: "Аноним", comment_by: "Комментарий от {name}", reply_to: "Ответ для {name}",
      comments_label: "Комментарии", nothing_to_preview: "Пока нечего показать.",
      e_rate_limited: "Слишком часто. Подождите немного и попробуйте снова.",
      e_user_banned: "Вам запрещено комментировать здесь.",
      e_thread_locked: "Обсуждение закрыто: новые комментарии не принимаются.",
      e_too_long: "Комментарий слишком длинный (не более 10 000 символов).", e_empty: "Сначала напишите что-нибудь.",
      e_comment_pending: "Этот комментарий ещё ждёт проверки.", e_permission_denied: "Вам нельзя это делать.",
      e_auth: "Пожалуйста, войдите снова.", e_gone: "Этого комментария больше нет.",
      e_network: "Сервер комментариев недоступен. Попробуйте снова.", e_generic: "Что-то пошло не так. Попробуйте снова.",
    },
    zh: {
      pin: "置顶", unpin: "取消置顶", approve: "通过", reject: "拒绝", ban: "封禁作者", lock: "锁定讨论", unlock: "解锁讨论", banned_done: "已封禁作者。",
      history: "编辑历史", close: "关闭", before: "修改前",
      comments: { other: "{n} 条评论" }, sort: "排序", newest: "最新", oldest: "最早", popular: "最热",
      load_more: "加载更多评论", more_replies: { other: "显示另外 {n} 条回复" },
      new_comments: { other: "{n} 条新评论 — 显示" }, announce_new: { other: "{n} 条新评论" },
      likes: { other: "{n} 个赞" }, like: "赞", reply: "回复", edit: "编辑", delete: "删除",
      confirm_delete: "确定删除？", report: "举报", report_reason: "举报这条评论的原因？", send_report: "提交举报",
      reported: "已举报，谢谢。", cancel: "取消", post: "发表评论", post_reply: "发表回复", save: "保存",
      preview: "预览", write: "编辑", placeholder: "写下你的评论…支持 Markdown。", sign_in: "登录后评论",
      edited: "已编辑", pinned: "置顶", deleted: "此评论已删除。", pending: "等待审核",
      locked: "此讨论已锁定：不能发表新评论。", loading: "正在加载评论…", empty: "还没有评论，来抢沙发吧！",
      posted: "你的评论已发表。", posted_pending: "你的评论已提交，等待版主审核。", your_comment: "你的评论",
      anonymous: "匿名", comment_by: "{name} 的评论", reply_to: "回复 {name}", comments_label: "评论",
      nothing_to_preview: "暂无可预览的内容。", e_rate_limited: "操作太快了，请稍后再试。",
      e_user_banned: "你已被禁止在此评论。", e_thread_locked: "此讨论已锁定：不能发表新评论。",
      e_too_long: "评论太长（最多 10,000 个字符）。", e_empty: "请先写点内容。",
      e_comment_pending: "这条评论仍在等待审核。", e_permission_denied: "你无权执行此操作。",
      e_auth: "请重新登录。", e_gone: "这条评论已不存在。", e_network: "无法连接评论服务器，请重试。",
      e_generic: "出错了，请重试。",
    },
    ja: {
      pin: "固定", unpin: "固定解除", approve: "承認", reject: "却下", ban: "投稿者を禁止", lock: "スレッドをロック", unlock: "ロック解除", banned_done: "投稿者を禁止しました。",
      history: "編集履歴", close: "閉じる", before: "変更前",
      comments: { other: "{n} 件のコメント" }, sort: "並べ替え", newest: "新しい順", oldest: "古い順",
      popular: "人気順", load_more: "さらにコメントを読み込む", more_replies: { other: "返信をあと {n} 件表示" },
      new_comments: { other: "新しいコメント {n} 件 — 表示" }, announce_new: { other: "新しいコメント {n} 件" },
      likes: { other: "いいね {n} 件" }, like: "いいね", reply: "返信", edit: "編集", delete: "削除",
      confirm_delete: "本当に削除しますか？", report: "報告", report_reason: "このコメントを報告する理由は？",
      send_report: "報告を送信", reported: "報告しました。ありがとうございます。", cancel: "キャンセル",
      post: "コメントを投稿", post_reply: "返信を投稿", save: "保存", preview: "プレビュー", write: "入力",
      placeholder: "コメントを書く… Markdown が使えます。", sign_in: "ログインしてコメント", edited: "編集済み",
      pinned: "固定", deleted: "このコメントは削除されました。", pending: "承認待ち",
      locked: "このスレッドはロックされています：新しいコメントはできません。", loading: "コメントを読み込み中…",
      empty: "まだコメントはありません。最初のコメントをどうぞ！", posted: "コメントを投稿しました。",
      posted_pending: "コメントを送信しました。モデレーターの承認待ちです。", your_comment: "あなたのコメント",
      anonymous: "匿名", comment_by: "{name} さんのコメント", reply_to: "{name} さんに返信",
      comments_label: "コメント", nothing_to_preview: "プレビューする内容がありません。",
      e_rate_limited: "操作が速すぎます。少し待ってからもう一度お試しください。",
      e_user_banned: "ここでのコメントは禁止されています。",
      e_thread_locked: "このスレッドはロックされています：新しいコメントはできません。",
      e_too_long: "コメントが長すぎます（最大 10,000 文字）。", e_empty: "まず何か書いてください。",
      e_comment_pending: "そのコメントはまだ承認待ちです。", e_permission_denied: "その操作は許可されていません。",
      e_auth: "もう一度ログインしてください。", e_gone: "そのコメントはもう存在しません。",
      e_network: "コメントサーバーに接続できません。もう一度お試しください。", e_generic: "問題が発生しました。もう一度お試しください。",
    },
    ar: {
      pin: "تثبيت", unpin: "إلغاء التثبيت", approve: "موافقة", reject: "رفض", ban: "حظر الكاتب", lock: "قفل النقاش", unlock: "فتح النقاش", banned_done: "تم حظر الكاتب.",
      history: "سجل التعديلات", close: "إغلاق", before: "قبل",
      comments: { zero: "لا تعليقات", one: "تعليق واحد", two: "تعليقان", few: "{n} تعليقات", many: "{n} تعليقًا", other: "{n} تعليق" },
      sort: "الترتيب", newest: "الأحدث", oldest: "الأقدم", popular: "الأكثر إعجابًا", load_more: "تحميل المزيد من التعليقات",
      more_replies: { other: "عرض {n} ردود أخرى" }, new_comments: { other: "تعليقات جديدة: {n} — عرض" },
      announce_new: { other: "تعليقات جديدة: {n}" }, likes: { other: "الإعجابات: {n}" }, like: "إعجاب",
      reply: "رد", edit: "تعديل", delete: "حذف", confirm_delete: "هل تريد الحذف فعلًا؟", report: "إبلاغ",
      report_reason: "لماذا تبلغ عن هذا التعليق؟", send_report: "إرسال البلاغ", reported: "تم الإبلاغ. شكرًا لك.",
      cancel: "إلغاء", post: "نشر التعليق", post_reply: "نشر الرد", save: "حفظ", preview: "معاينة", write: "كتابة",
      placeholder: "اكتب تعليقًا… يمكنك استخدام Markdown.", sign_in: "سجّل الدخول للتعليق", edited: "معدّل",
      pinned: "مثبّت", deleted: "تم حذف هذا التعليق.", pending: "بانتظار الموافقة",
      locked: "هذا النقاش مقفل: لا تعليقات جديدة.", loading: "جارٍ تحميل التعليقات…",
      empty: "لا توجد تعليقات بعد. كن أول من يعلّق!", posted: "تم نشر تعليقك.",
      posted_pending: "تم إرسال تعليقك وهو بانتظار موافقة المشرف.", your_comment: "تعليقك", anonymous: "مجهول",
      comment_by: "تعليق من {name}", reply_to: "رد على {name}", comments_label: "التعليقات",
      nothing_to_preview: "لا شيء للمعاينة بعد.", e_rate_limited: "أنت سريع جدًا. انتظر قليلًا ثم حاول مجددًا.",
      e_user_banned: "تم حظرك من التعليق هنا.", e_thread_locked: "هذا النقاش مقفل: لا تعليقات جديدة.",
      e_too_long: "تعليقك طويل جدًا (10000 حرف على الأكثر).", e_empty: "اكتب شيئًا أولًا.",
      e_comment_pending: "هذا التعليق ما زال بانتظار الموافقة.", e_permission_denied: "غير مسموح لك بذلك.",
      e_auth: "يرجى تسجيل الدخول مجددًا.", e_gone: "هذا التعليق لم يعد موجودًا.",
      e_network: "تعذّر الوصول إلى خادم التعليقات. حاول مجددًا.", e_generic: "حدث خطأ ما. حاول مجددًا.",
    },
  };
  const RTL = new Set(["ar"]);

  function chooseLanguage(wanted) {
    for (const tag of wanted) {
      const base = String(tag || "").toLowerCase().split(/[-_]/)[0];
      if (M[base]) return base;
    }
    return "en";
  }
  const lang = chooseLanguage([cfg.lang, document.documentElement.lang, ...(navigator.languages || [navigator.language])]);
  /* The formatters are made once, on first use: a fresh page pays tens of milliseconds for its
     first date or number formatter (the browser loads its Intl data), so the first page is
     painted without one (times are stamped right after, see `stamp`; small counts need none). */
  const formats = {};
  const plurals = () => (formats.plurals ||= new Intl.PluralRules(lang));
  const numbers = () => (formats.numbers ||= new Intl.NumberFormat(lang));
  const relative = () => (formats.relative ||= new Intl.RelativeTimeFormat(lang, { numeric: "auto" }));
  const fullDate = () => (formats.fullDate ||= new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" }));
  // Below 1,000 no language here groups digits, and all but Arabic write them as ASCII.
  const formatNumber = (n) => (Number.isInteger(n) && n >= 0 && n < 1000 && lang !== "ar" ? String(n) : numbers().format(n));
  function t(key, n, vars) {
    let text = M[lang][key] ?? M.en[key] ?? key;
    if (typeof text === "object") {
      const form = n === 0 && text.zero ? "zero" : plurals().select(n);
      text = text[form] ?? text.other;
    }
    const all = { n: n === undefined ? "" : formatNumber(n), ...vars };
    return text.replace(/\{(\w+)\}/g, (_, k) => (all[k] ?? ""));
  }
  function ago(iso) {
    const seconds = (Date.parse(iso) - Date.now()) / 1000;
    const steps = [[60, "second"], [3600, "minute"], [86400, "hour"], [604800, "day"], [2629800, "week"], [31557600, "month"], [Infinity, "year"]];
    const sizes = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800, month: 2629800, year: 31557600 };
    for (const [limit, unit] of steps) {
      if (Math.abs(seconds) < limit) return relative().format(Math.round(seconds / sizes[unit]), unit);
    }
    return "";
  }

  /* ---------- elements (text only: never innerHTML, except content_html) ---------- */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) if (child) el.append(child);
    return el;
  }

  /* ---------- identity ---------- */
  let tokenPromise = null;
  async function token(renew = false) {
    if (typeof host().token === "function") {
      if (!tokenPromise || renew) tokenPromise = Promise.resolve(host().token()).catch(() => null);
      return (await tokenPromise) || null;
    }
    return cfg.token || null;
  }
  function claims(jwt) {
    try {
      const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(decodeURIComponent(escape(atob(part))));
    } catch { return null; }
  }

  /* ---------- the API (problem+json errors become ApiError with the stable code) ---------- */
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.detail) || `HTTP ${status}`);
      this.status = status;
      this.code = (body && body.code) || (status ? "http_" + status : "network");
    }
  }
  async function call(method, path, { body, query, signedIn = true } = {}) {
    const url = new URL(API + path);
    for (const [k, v] of Object.entries(query || {})) {
      for (const item of [].concat(v)) if (item !== undefined && item !== null) url.searchParams.append(k, item);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const headers = { "X-Tenant-ID": TENANT };
      const jwt = signedIn ? await token(attempt > 0) : null;
      if (jwt) headers.Authorization = "Bearer " + jwt;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      let response;
      try {
        response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit" });
      } catch {
        throw new ApiError(0, { code: "network" });
      }
      const text = await response.text();
      let parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
      if (response.ok) return parsed;
      const error = new ApiError(response.status, parsed);
      // An expired token: ask the host page for a fresh one, once.
      if (attempt === 0 && jwt && (error.code === "token_expired" || error.code === "invalid_token")) continue;
      throw error;
    }
    throw new ApiError(401, { code: "token_expired" });
  }
  function errorText(error) {
    const code = error.code;
    if (code === "invalid_content" && /at most/.test(error.message)) return t("e_too_long");
    if (code === "invalid_content" && /empty/.test(error.message)) return t("e_empty");
    const known = {
      rate_limited: "e_rate_limited", user_banned: "e_user_banned", thread_locked: "e_thread_locked",
      comment_pending: "e_comment_pending", permission_denied: "e_permission_denied",
      authentication_required: "e_auth", token_expired: "e_auth", invalid_token: "e_auth",
      comment_not_found: "e_gone", comment_deleted: "e_gone", parent_not_live: "e_gone", network: "e_network",
    };
    return t(known[code] || "e_generic");
  }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }

  /* ---------- comment counts for article lists: one /v1/counts call per entity type ---------- */
  async function fillCounts() {
    const links = [...document.querySelectorAll("[data-threadline-count]")];
    const byType = new Map();
    for (const link of links) {
      const type = link.dataset.entityType || ENTITY_TYPE;
      if (!byType.has(type)) byType.set(type, []);
      byType.get(type).push(link);
    }
    for (const [type, group] of byType) {
      const ids = [...new Set(group.map((l) => l.dataset.entityId).filter(Boolean))];
      for (let i = 0; i < ids.length; i += 100) {
        try {
          const answer = await call("GET", "/v1/counts", { query: { entity_type: type, entity_id: ids.slice(i, i + 100) }, signedIn: false });
          for (const link of group) {
            const n = answer.counts[link.dataset.entityId];
            if (n !== undefined) link.textContent = t("comments", n);
          }
        } catch { /* counts are decoration: a failure leaves the links as they are */ }
      }
    }
  }

  /* ---------- the thread ---------- */
  function mountThread(target) {
    const entityId = cfg.entityId || target.dataset.entityId;
    if (!entityId) return;
    const shadow = target.shadowRoot || target.attachShadow({ mode: "open" });
    shadow.replaceChildren();
    const root = h("section", { class: "tl", lang, dir: RTL.has(lang) ? "rtl" : "ltr", "data-theme": cfg.theme || "auto", "aria-label": t("comments_label") });
    const stylesheet = h("link", { rel: "stylesheet", href: CSS_URL });
    shadow.append(stylesheet, root);

    const state = {
      sort: ["newest", "oldest", "popular"].includes(cfg.sort) ? cfg.sort : "newest",
      cursor: null, locked: false, me: null, role: null, comments: new Map(), items: new Map(), fresh: new Map(),
      shownRoots: 0, source: null, lastEventId: null, generation: 0,
    };
    const live = h("div", { class: "sr", role: "status", "aria-live": "polite" });
    const count = h("h2", { class: "count", id: "tl-count" });
    const sortSelect = h("select", { id: "tl-sort", onchange: () => { state.sort = sortSelect.value; load(); } },
      ["newest", "oldest", "popular"].map((s) => h("option", { value: s, text: t(s) })));
    const compose = h("div", { class: "compose" });
    const banner = h("button", { type: "button", class: "banner", hidden: true, onclick: () => showFresh() });
    const list = h("ul", { class: "list", "aria-labelledby": "tl-count" });
    const status = h("p", { class: "status" });
    const more = h("button", { type: "button", class: "more", hidden: true, onclick: () => loadMore() , text: t("load_more") });
    root.append(
      h("header", { class: "top" }, count, h("label", { class: "sort", for: "tl-sort" }, t("sort"), " "), sortSelect),
      compose, banner, status, list, more, live,
    );
    sortSelect.value = state.sort;
    const announce = (text) => { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 50); };
    const isOwn = (c) => state.me !== null && c.author_id === state.me;
    const isStaff = () => state.role === "moderator" || state.role === "admin";

    /* Relative times and full dates go in right after the frame that shows the comments: the
       first formatter would otherwise hold up the first page's paint. */
    let unstamped = [];
    function stamp(el, iso, withText) {
      if (!unstamped.length) requestAnimationFrame(() => setTimeout(stampAll, 0));
      unstamped.push([el, iso, withText]);
      return el;
    }
    function stampAll() {
      const due = unstamped;
      unstamped = [];
      for (const [el, iso, withText] of due) {
        el.title = fullDate().format(new Date(iso));
        if (withText) el.textContent = ago(iso);
      }
    }

    /* one comment: its article is rendered again on every change; its replies stay */
    function article(c) {
      const gone = c.status === "DELETED" || c.status === "REJECTED";
      const name = gone ? "" : c.author_name || t("anonymous");
      const head = h("header", { class: "meta" });
      if (!gone) head.append(h("span", { class: "author", id: "a-" + c.id, text: name }));
      if (!gone && c.author_role && c.author_role !== "user") head.append(h("span", { class: "badge", text: c.author_role }));
      head.append(stamp(h("time", { datetime: c.created_at }), c.created_at, true));
      if (c.is_edited && !gone) {
        // The history is for the author and moderators (the API says so too): others see the marker.
        const marker = isOwn(c) || isStaff()
          ? h("button", { type: "button", class: "edited", "aria-label": `${t("edited")}: ${t("history")}`, onclick: () => openHistory(c), text: t("edited") })
          : h("span", { class: "edited", text: t("edited") });
        head.append(c.edited_at ? stamp(marker, c.edited_at, false) : marker);
      }
      if (c.is_pinned) head.append(h("span", { class: "badge pin", text: t("pinned") }));
      if (c.status === "PENDING") head.append(h("span", { class: "badge pending", text: t("pending") }));
      const body = h("div", { class: "body" });
      if (gone) body.append(h("p", { class: "tomb", text: t("deleted") }));
      else body.innerHTML = c.content_html || ""; // sanitized by the server; inserted as given
      const el = h("article", { class: "c" + (gone ? " gone" : ""), tabindex: "-1", "aria-label": gone ? t("deleted") : t("comment_by", undefined, { name }) }, head, body);
      if (!gone) el.append(actions(c));
      el.append(h("div", { class: "slot" }));
      return el;
    }

    function actions(c) {
      const bar = h("div", { class: "actions" });
      const published = c.status === "ACTIVE";
      const liked = !!c.current_user_liked;
      if (published) {
        bar.append(h("button", { type: "button", class: "like", "aria-pressed": String(liked), "aria-label": `${t("like")} (${t("likes", c.like_count)})`, onclick: () => like(c) },
          h("span", { "aria-hidden": "true", text: "♥ " }), String(c.like_count)));
        if (!state.locked || isStaff()) bar.append(h("button", { type: "button", class: "reply", onclick: () => openReply(c), text: t("reply") }));
      }
      if (isOwn(c) || isStaff()) {
        bar.append(h("button", { type: "button", class: "edit", onclick: () => openEdit(c), text: t("edit") }));
        const del = h("button", { type: "button", class: "delete", text: t("delete"), onclick: () => {
          if (del.dataset.armed) remove(c, del);
          else { del.dataset.armed = "1"; del.textContent = t("confirm_delete"); }
        }, onblur: () => { delete del.dataset.armed; del.textContent = t("delete"); } });
        bar.append(del);
      }
      if (published && !isOwn(c) && state.me) bar.append(h("button", { type: "button", class: "report", onclick: () => openReport(c), text: t("report") }));
      if (isStaff()) {
        const act = (cls, label, method, path, body) => bar.append(h("button", { type: "button", class: cls, text: t(label),
          onclick: () => moderate(c, cls, method, path, body) }));
        if (published && !c.parent_id) act(c.is_pinned ? "unpin" : "pin", c.is_pinned ? "unpin" : "pin", c.is_pinned ? "DELETE" : "PUT", `/v1/comments/${c.id}/pin`);
        if (c.status === "PENDING") {
          act("approve", "approve", "POST", `/v1/comments/${c.id}/approve`);
          act("reject", "reject", "POST", `/v1/comments/${c.id}/reject`, {});
        }
        if (c.author_id && !isOwn(c)) act("ban", "ban", "PUT", `/v1/moderation/bans/${encodeURIComponent(c.author_id)}`, {});
      }
      return bar;
    }

    function itemFor(c) {
      const existing = state.items.get(c.id);
      if (existing) return existing;
      const li = h("li", { class: "item", "data-id": c.id });
      li.append(article(c), h("ul", { class: "replies" }), h("button", { type: "button", class: "more-replies", hidden: true, onclick: () => loadReplies(c.id) }));
      state.items.set(c.id, li);
      return li;
    }
    function remember(c) {
      const known = state.comments.get(c.id);
      const merged = { ...known, ...c };
      // A live message carries no per-reader state: keep what this reader knows.
      if (c.current_user_liked === undefined || c.current_user_liked === null) merged.current_user_liked = known ? known.current_user_liked : false;
      delete merged.replies;
      state.comments.set(c.id, merged);
      return merged;
    }
    function refresh(c) {
      const merged = remember(c);
      const li = state.items.get(c.id);
      if (!li) return merged;
      const old = li.querySelector(":scope > article");
      const hadFocus = old.contains(shadow.activeElement);
      const slot = old.querySelector(":scope > .slot");
      const fresh = article(merged);
      if (slot.childElementCount) fresh.querySelector(":scope > .slot").replaceWith(slot);
      old.replaceWith(fresh);
      if (hadFocus) fresh.focus();
      updateMoreReplies(c.id);
      return merged;
    }
    function updateMoreReplies(id) {
      const li = state.items.get(id);
      const c = state.comments.get(id);
      if (!li || !c) return;
      const shown = li.querySelector(":scope > .replies").childElementCount;
      const left = Math.max(0, (c.reply_count || 0) - shown);
      const button = li.querySelector(":scope > .more-replies");
      button.hidden = left === 0 || li.dataset.repliesDone === "1";
      button.textContent = t("more_replies", left);
    }
    /* a node from the API with its nested replies, appended under `into` */
    function place(node, into, atStart = false) {
      const c = remember(node);
      const li = itemFor(c);
      if (!li.isConnected) atStart ? into.prepend(li) : into.append(li);
      else refresh(c);
      const replies = li.querySelector(":scope > .replies");
      for (const reply of node.replies || []) place(reply, replies);
      updateMoreReplies(c.id);
      return li;
    }
    function placeReply(c) {
      const parent = state.items.get(c.parent_id);
      if (!parent) return;
      place(c, parent.querySelector(":scope > .replies"));
      updateMoreReplies(c.parent_id);
    }

    /* ---------- reading ---------- */
    async function loadCount() {
      try {
        const answer = await call("GET", "/v1/counts", { query: { entity_type: ENTITY_TYPE, entity_id: entityId }, signedIn: false });
        count.textContent = t("comments", answer.counts[entityId] || 0);
      } catch { /* keep the last count */ }
    }
    let countTimer = 0;
    const recount = () => { clearTimeout(countTimer); countTimer = setTimeout(loadCount, 500); };

    async function page(cursor) {
      return call("GET", `/v1/entities/${encodeURIComponent(ENTITY_TYPE)}/${encodeURIComponent(entityId)}/comments`,
        { query: { sort: state.sort, limit: 20, cursor: cursor || undefined } });
    }
    /* `before`: what must be done before the page is rendered (the first time: the stylesheet
       and the reader's identity); the request goes out at once, beside it. */
    /* embed.js's request for the first page, when it answered; otherwise asked again here,
       with call()'s errors and token renewal */
    async function firstPage(asked) {
      try {
        const response = await asked;
        if (response.ok) return await response.json();
      } catch { /* asked again below */ }
      return page(null);
    }
    async function load(before) {
      const generation = ++state.generation;
      status.textContent = t("loading");
      root.setAttribute("aria-busy", "true");
      try {
        const asked = early ? firstPage(early) : page(null);
        early = null;
        asked.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
        await before;
        const answer = await asked;
        if (generation !== state.generation) return;
        list.replaceChildren();
        state.items.clear(); state.comments.clear(); state.fresh.clear(); showBanner();
        state.locked = !!answer.meta.locked;
        for (const pending of answer.pending || []) if (!pending.parent_id) place(pending, list);
        for (const node of answer.data) place(node, list);
        for (const pending of answer.pending || []) if (pending.parent_id) placeReply(pending);
        state.cursor = answer.meta.next_cursor;
        more.hidden = !state.cursor;
        status.textContent = list.childElementCount ? "" : t("empty");
        // The first page is in the DOM: one User Timing entry per load, for the embedding page's
        // own measurements and benchmarks/browser_widget.py (README "The comments widget").
        performance.mark("threadline:first-page");
        renderComposer();
      } catch (error) {
        status.textContent = errorText(error);
      } finally {
        root.removeAttribute("aria-busy");
        root.dataset.ready = "true";
      }
    }
    async function loadMore() {
      more.disabled = true;
      try {
        const answer = await page(state.cursor);
        const first = answer.data.find((n) => !state.items.has(n.id));
        for (const node of answer.data) place(node, list);
        state.cursor = answer.meta.next_cursor;
        more.hidden = !state.cursor;
        if (first) state.items.get(first.id).querySelector("article").focus();
        else if (!more.hidden) more.focus();
      } catch (error) {
        status.textContent = errorText(error);
      } finally {
        more.disabled = false;
      }
    }
    async function loadReplies(id) {
      const li = state.items.get(id);
      const button = li.querySelector(":scope > .more-replies");
      button.disabled = true;
      try {
        const replies = li.querySelector(":scope > .replies");
        const before = new Set(state.items.keys());
        const answer = await call("GET", `/v1/comments/${id}/replies`, { query: { limit: 50, cursor: li.dataset.repliesCursor || undefined } });
        for (const node of answer.data) place(node, replies);
        if (answer.meta.next_cursor) li.dataset.repliesCursor = answer.meta.next_cursor;
        else li.dataset.repliesDone = "1";
        updateMoreReplies(id);
        const first = answer.data.find((n) => !before.has(n.id));
        if (first) state.items.get(first.id).querySelector("article").focus();
      } catch (error) {
        status.textContent = errorText(error);
      } finally {
        button.disabled = false;
      }
    }

    /* ---------- live: new roots wait behind a banner; everything else changes in place ---------- */
    function showBanner() {
      banner.hidden = state.fresh.size === 0;
      banner.textContent = t("new_comments", state.fresh.size);
    }
    function showFresh() {
      const fresh = [...state.fresh.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
      state.fresh.clear();
      showBanner();
      let first = null;
      const anchor = [...list.children].find((li) => !state.comments.get(li.dataset.id)?.is_pinned);
      for (const c of fresh) {
        if (state.items.has(c.id)) continue;
        const li = itemFor(remember(c));
        if (state.sort === "newest") list.insertBefore(li, first ? first.nextSibling : anchor || null);
        else if (!state.cursor) list.append(li);
        else continue;
        updateMoreReplies(c.id);
        first = li;
      }
      status.textContent = "";
      const focus = state.sort === "newest" ? list.querySelector(`li[data-id="${fresh.at(-1)?.id}"] article`) : first?.querySelector("article");
      focus?.focus();
    }
    function onChange(event) {
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      state.lastEventId = event.lastEventId || state.lastEventId;
      switch (event.type) {
        case "comment.created":
          if (state.items.has(data.id)) refresh(data);
          else if (data.parent_id) {
            const parent = state.comments.get(data.parent_id);
            const li = state.items.get(data.parent_id);
            if (parent && li) {
              const shown = li.querySelector(":scope > .replies").childElementCount;
              // Replies are shown oldest first: a new one joins when the earlier ones are all shown.
              if (shown >= (parent.reply_count || 0) || li.dataset.repliesDone === "1") placeReply(data);
              refresh({ ...parent, reply_count: (parent.reply_count || 0) + 1 });
            }
          } else if (isOwn(data)) {
            place(data, list, true);
          } else {
            state.fresh.set(data.id, data);
            showBanner();
            announce(t("announce_new", state.fresh.size));
          }
          recount();
          break;
        case "comment.deleted":
          if (state.fresh.delete(data.id)) showBanner();
          if (state.items.has(data.id)) {
            if ((data.reply_count || 0) > 0 || state.items.get(data.id).querySelector(":scope > .replies").childElementCount) refresh(data);
            else drop(data.id);
          }
          recount();
          break;
        case "comment.hard_deleted":
        case "comment.rejected":
          if (state.fresh.delete(data.id)) showBanner();
          drop(data.id);
          recount();
          break;
        case "comment.approved":
          if (state.items.has(data.id)) refresh(data);
          else if (data.parent_id) placeReply(data);
          else { state.fresh.set(data.id, data); showBanner(); }
          recount();
          break;
        case "thread.locked":
        case "thread.unlocked":
          state.locked = !!data.locked;
          renderComposer();
          for (const c of state.comments.values()) if (state.items.has(c.id)) refresh(c);
          break;
        default:
          if (data.id && state.items.has(data.id)) refresh(data);
          else if (data.id && state.fresh.has(data.id)) state.fresh.set(data.id, data);
      }
    }
    function drop(id) {
      const li = state.items.get(id);
      if (!li) return;
      li.remove();
      state.items.delete(id);
      state.comments.delete(id);
    }
    const LIVE_EVENTS = ["comment.created", "comment.updated", "comment.deleted", "comment.hard_deleted", "comment.liked",
      "comment.unliked", "comment.pinned", "comment.unpinned", "comment.approved", "comment.anonymized", "comment.rejected",
      "thread.locked", "thread.unlocked"];
    async function connect() {
      if (typeof EventSource !== "function") return;
      if (state.source) state.source.close();
      const query = new URLSearchParams({ tenant: TENANT });
      const jwt = await token();
      if (jwt) query.set("access_token", jwt);
      if (state.lastEventId) query.set("after", state.lastEventId);
      const source = new EventSource(`${API}/v1/entities/${encodeURIComponent(ENTITY_TYPE)}/${encodeURIComponent(entityId)}/live?${query}`);
      state.source = source;
      for (const name of LIVE_EVENTS) source.addEventListener(name, onChange);
      source.addEventListener("ready", (event) => {
        state.lastEventId = event.lastEventId || state.lastEventId;
        root.dataset.live = "ready";
      });
      source.addEventListener("reset", () => {
        // The stream cannot resume from where this page was: read the thread again.
        source.close();
        state.lastEventId = null;
        load().then(connect);
      });
      source.onerror = () => {
        root.dataset.live = "reconnecting";
        // The browser retries by itself (with Last-Event-ID); a refused stream (an expired
        // token, say) is closed for good: open a new one, resuming after the last message seen.
        if (source.readyState === EventSource.CLOSED && state.source === source) {
          setTimeout(async () => { if (state.source === source) { await token(true); connect(); } }, 3000);
        }
      };
    }

    /* ---------- writing ---------- */
    function signIn() {
      target.dispatchEvent(new CustomEvent("threadline:signin", { bubbles: true, composed: true }));
      if (typeof host().signIn === "function") host().signIn();
    }
    function composer({ initial = "", submitLabel, label, onSubmit, onCancel }) {
      const id = "t" + uuid().slice(0, 8);
      const area = h("textarea", { id, rows: "4", placeholder: t("placeholder"), "aria-label": label });
      area.value = initial;
      const preview = h("div", { class: "body preview", hidden: true, "aria-live": "polite" });
      const error = h("p", { class: "error", role: "alert" });
      const previewButton = h("button", { type: "button", class: "toggle", "aria-pressed": "false", text: t("preview"), onclick: async () => {
        const showing = previewButton.getAttribute("aria-pressed") === "true";
        if (showing) {
          preview.hidden = true; area.hidden = false; previewButton.setAttribute("aria-pressed", "false");
          previewButton.textContent = t("preview"); area.focus(); return;
        }
        error.textContent = "";
        if (!area.value.trim()) { preview.textContent = t("nothing_to_preview"); }
        else {
          try {
            const answer = await call("POST", "/v1/preview", { body: { content: area.value, content_format: "markdown" } });
            preview.innerHTML = answer.content_html; // rendered and sanitized by the server
          } catch (failure) { error.textContent = errorText(failure); return; }
        }
        preview.hidden = false; area.hidden = true; previewButton.setAttribute("aria-pressed", "true");
        previewButton.textContent = t("write");
      } });
      const submit = h("button", { type: "submit", class: "primary", text: submitLabel });
      const form = h("form", { class: "composer", onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        if (!area.value.trim()) { error.textContent = t("e_empty"); area.hidden = false; area.focus(); return; }
        submit.disabled = true;
        try {
          await onSubmit(area.value);
          area.value = "";
          preview.hidden = true; area.hidden = false; previewButton.setAttribute("aria-pressed", "false"); previewButton.textContent = t("preview");
        } catch (failure) {
          error.textContent = errorText(failure);
          if (failure.status === 401) signIn();
        } finally {
          submit.disabled = false;
        }
      } }, area, preview, error, h("div", { class: "row" }, previewButton,
        onCancel ? h("button", { type: "button", onclick: onCancel, text: t("cancel") }) : null, submit));
      form.addEventListener("keydown", (event) => { if (event.key === "Escape" && onCancel) onCancel(); });
      return { form, area };
    }
    let composed = null;
    async function renderComposer() {
      const jwt = await token();
      const who = jwt ? claims(jwt) : null;
      state.me = who ? who.sub : null;
      state.role = who ? who.role || "user" : null;
      // Built again only when who may write changes: a sort switch must not lose a draft.
      const key = `${state.me}|${state.role}|${state.locked}`;
      if (key === composed) return;
      composed = key;
      compose.replaceChildren();
      if (isStaff()) {
        const locked = state.locked;
        compose.append(h("div", { class: "row staff" }, h("button", { type: "button", class: "lock", text: t(locked ? "unlock" : "lock"), onclick: async () => {
          try {
            await call(locked ? "DELETE" : "PUT", `/v1/entities/${encodeURIComponent(ENTITY_TYPE)}/${encodeURIComponent(entityId)}/lock`);
            state.locked = !locked;
            await renderComposer();
            compose.querySelector(".lock")?.focus();
          } catch (failure) { status.textContent = errorText(failure); }
        } })));
        if (locked) compose.append(h("p", { class: "notice", text: t("locked") }));
      }
      if (state.locked && !isStaff()) { compose.append(h("p", { class: "notice", text: t("locked") })); return; }
      if (!state.me) {
        compose.append(h("button", { type: "button", class: "primary signin", onclick: signIn, text: t("sign_in") }));
        return;
      }
      const { form } = composer({ submitLabel: t("post"), label: t("your_comment"), onSubmit: (text) => post(text, null) });
      compose.append(form);
    }
    async function post(text, parentId) {
      const answer = await call("POST", "/v1/comments", { body: { id: uuid(), entity_type: ENTITY_TYPE, entity_id: entityId, parent_id: parentId, content: text, content_format: "markdown" } });
      const c = answer.comment || { id: answer.id };
      let li;
      if (parentId) {
        const parent = state.comments.get(parentId);
        // The live message of this reply may have come first and counted it already.
        const known = state.items.has(c.id);
        place(c, state.items.get(parentId).querySelector(":scope > .replies"));
        if (parent && !known) refresh({ ...parent, reply_count: (parent.reply_count || 0) + 1 });
        li = state.items.get(c.id);
      } else {
        const anchor = [...list.children].find((item) => !state.comments.get(item.dataset.id)?.is_pinned);
        li = itemFor(remember(c));
        list.insertBefore(li, anchor || null);
      }
      status.textContent = "";
      li.querySelector("article").focus();
      announce(answer.status === "PENDING" ? t("posted_pending") : t("posted"));
      recount();
    }
    function openSlot(c, content) {
      const slot = state.items.get(c.id).querySelector(":scope > article > .slot");
      slot.replaceChildren(content);
      return slot;
    }
    function closeSlot(c, focusClass) {
      const li = state.items.get(c.id);
      if (!li) return;
      const article = li.querySelector(":scope > article");
      article.querySelector(":scope > .slot").replaceChildren();
      (article.querySelector(`.${focusClass}`) || article).focus();
    }
    async function openReply(c) {
      if (!(await token())) { signIn(); return; }
      const name = c.author_name || t("anonymous");
      const { form, area } = composer({
        submitLabel: t("post_reply"), label: t("reply_to", undefined, { name }),
        onSubmit: async (text) => { await post(text, c.id); openSlot(c, document.createTextNode("")); },
        onCancel: () => closeSlot(c, "reply"),
      });
      openSlot(c, form);
      area.focus();
    }
    function openEdit(c) {
      const { form, area } = composer({
        initial: c.content || "", submitLabel: t("save"), label: t("edit"),
        onSubmit: async (text) => {
          const answer = await call("PATCH", `/v1/comments/${c.id}`, { body: { content: text } });
          closeSlot(c, "edit");
          if (answer.comment) refresh(answer.comment);
          state.items.get(c.id)?.querySelector("article").focus();
        },
        onCancel: () => closeSlot(c, "edit"),
      });
      openSlot(c, form);
      area.focus();
    }
    function openReport(c) {
      const id = "r" + uuid().slice(0, 8);
      const reason = h("input", { id, type: "text", maxlength: "500" });
      const error = h("p", { class: "error", role: "alert" });
      const form = h("form", { class: "report-form", onsubmit: async (event) => {
        event.preventDefault();
        try {
          await call("POST", `/v1/comments/${c.id}/report`, { body: { reason: reason.value || "other" } });
          const done = h("p", { class: "notice", tabindex: "-1", text: t("reported") });
          openSlot(c, done);
          done.focus();
        } catch (failure) { error.textContent = errorText(failure); }
      } }, h("label", { for: id, text: t("report_reason") }), reason, error,
        h("div", { class: "row" }, h("button", { type: "button", onclick: () => closeSlot(c, "report"), text: t("cancel") }),
          h("button", { type: "submit", class: "primary", text: t("send_report") })));
      openSlot(c, form);
      reason.focus();
    }
    async function openHistory(c) {
      try {
        const answer = await call("GET", `/v1/comments/${c.id}/history`);
        const close = h("button", { type: "button", onclick: () => closeSlot(c, "edited"), text: t("close") });
        const panel = h("section", { class: "history", "aria-label": t("history") },
          h("h3", { text: t("history") }),
          h("ol", {}, answer.data.map((entry) => h("li", {},
            h("time", { datetime: entry.edited_at, title: fullDate().format(new Date(entry.edited_at)), text: ago(entry.edited_at) }),
            h("p", { class: "was" }, h("span", { class: "label", text: t("before") + ": " }), entry.previous_content || "")))),
          close);
        openSlot(c, panel);
        close.focus();
      } catch (failure) {
        status.textContent = errorText(failure);
      }
    }
    /* moderators' actions: the live stream brings the outcome to every reader, this one included */
    async function moderate(c, action, method, path, body) {
      try {
        await call(method, path, { body });
        if (action === "ban") { const done = h("p", { class: "notice", tabindex: "-1", text: t("banned_done") }); openSlot(c, done); done.focus(); return; }
        const patch = { pin: { is_pinned: true }, unpin: { is_pinned: false }, approve: { status: "ACTIVE" } }[action];
        if (patch) refresh({ ...state.comments.get(c.id), ...patch });
        if (action === "reject") drop(c.id);
        state.items.get(c.id)?.querySelector("article").focus();
      } catch (failure) {
        status.textContent = errorText(failure);
      }
    }
    async function like(c) {
      const known = state.comments.get(c.id) || c;
      const liked = !known.current_user_liked;
      const before = known.like_count;
      try {
        const answer = await call(liked ? "PUT" : "DELETE", `/v1/comments/${c.id}/like`);
        const latest = state.comments.get(c.id) || known;
        // Live messages carry the count itself: if one came in meanwhile, it already counts this like.
        const delta = answer.changed && latest.like_count === before ? (liked ? 1 : -1) : 0;
        refresh({ ...latest, current_user_liked: liked, like_count: Math.max(0, latest.like_count + delta) });
        state.items.get(c.id)?.querySelector(".like")?.focus();
      } catch (failure) {
        status.textContent = errorText(failure);
      }
    }
    async function remove(c, button) {
      try {
        await call("DELETE", `/v1/comments/${c.id}`);
        const li = state.items.get(c.id);
        const next = li?.nextElementSibling?.querySelector("article") || li?.parentElement?.closest("li")?.querySelector("article");
        if (li && (li.querySelector(":scope > .replies").childElementCount || c.reply_count)) {
          refresh({ ...c, status: "DELETED", content: null, content_html: null, author_name: null });
          state.items.get(c.id).querySelector("article").focus();
        } else {
          drop(c.id);
          (next || more).focus?.();
        }
        recount();
      } catch (failure) {
        button.textContent = t("delete");
        status.textContent = errorText(failure);
      }
    }

    setInterval(() => {
      for (const time of root.querySelectorAll("time")) time.textContent = ago(time.getAttribute("datetime"));
    }, 60000);
    target.addEventListener("threadline:refresh", () => { tokenPromise = null; load(); connect(); });
    const styled = new Promise((resolve) => { stylesheet.onload = stylesheet.onerror = resolve; setTimeout(resolve, 3000); });
    // The first page and the count are asked for now, beside the stylesheet (not after it);
    // the page is rendered once the styles and the reader's identity are there.
    const first = load(styled.then(renderComposer));
    loadCount();
    first.then(connect);
  }

  const target = document.getElementById(cfg.target || "threadline");
  if (target) mountThread(target);
  fillCounts();
})();
