/* The {% note %} tag of the NexT and Butterfly themes, so that the sample
   site builds without a theme. */
hexo.extend.tag.register('note', function (args, content) {
  const body = hexo.render.renderSync({ text: content, engine: 'markdown' });
  return `<div class="note ${args.join(' ')}">${body}</div>`;
}, { ends: true });
